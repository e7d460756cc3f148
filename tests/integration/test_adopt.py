"""A second partnership adopts the project with a YAML file and its exports only (docs/adopting.md).

The made-up Wyvernshire (``dasv/sample/adopt.py``) has its own districts, column names,
specialisms and spellings, and one police force for the whole county. These tests run it from
its YAML to a published quarter through the ``dasv`` command, then read every output (PDF,
HTML, xlsx, CSV, JSON, slices, the SafeLives return, the publication store) for the names of the
shipped Cambridgeshire configuration.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dasv.config import DEFAULT_CONFIG, load_deployment
from dasv.sample.adopt import COUNTY, write_adopt_example

QUARTER = "2025-26 Q3"
GENERIC = {"out of area", "address not documented", "empty", "not recorded", "not documented", "city",
           "out of county", "ooa", "refuge"}  # fmt: skip


def run(*args, env, cwd=None):
    return subprocess.run([sys.executable, "-m", "dasv", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, check=False)  # fmt: skip


def cambridgeshire_names() -> list[str]:
    """Every place name of the shipped configuration (its districts, labels, aliases, county, police area)."""
    dep = load_deployment(DEFAULT_CONFIG)
    names = {dep.county_label, "Cambridgeshire", "Peterborough", "moved to refuge"}
    if dep.police_reporting_area:
        names.add(dep.police_reporting_area.name)
    for area in dep.areas:
        names |= {area.name, area.display, *area.aliases}
    return sorted(n for n in names if n and n.casefold() not in GENERIC)


def output_texts(root: Path):
    """(path, text) of every file under ``root``: PDF text, every workbook cell and sheet name, the rest as text."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
        elif suffix == ".xlsx":
            wb = load_workbook(path, read_only=True)
            text = "\n".join([ws.title for ws in wb.worksheets] + [
                str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None
            ])  # fmt: skip
            wb.close()
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        yield path, text


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """The example written, checked and run to a published quarter; (folder, env, run output)."""
    folder = tmp_path_factory.mktemp("adopt")
    config, inbox = write_adopt_example(folder)
    env = {**os.environ, "DASV_CONFIG": str(config), "DASV_DATABASE_URL": f"sqlite:///{folder / 'w.db'}",
           "DASV_PSEUDONYM_KEY": "adopt-test-key", "DASV_PUBLISH_DIR": str(folder / "publish"),
           "DASV_OUT": str(folder / "out"), "DASV_INBOX": str(inbox)}  # fmt: skip
    result = run("run", "--quarter", QUARTER, env=env, cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder, env, result


def test_config_check_prints_what_the_deployment_will_do(adopted):
    folder, env, _ = adopted
    result = run("config", "check", str(folder / "wyvernshire.yaml"), env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Districts (7)" in out and "Fernleigh Vale (printed 'Fernleigh'" in out
    assert "'Older People (65+ service)': specialism Older People" in out
    assert "marac.referring_agency: Police <- 'Wyvernshire Constabulary', 'Wyvern Police'" in out
    assert "Police reporting area: every district, the whole county" in out
    assert "Schedule:" in out and "Delivery: link" in out


def test_runs_to_a_published_quarter_with_its_own_values(adopted):
    folder, _, result = adopted
    assert f"published {QUARTER} version 1" in result.stdout
    public = json.loads((folder / "out" / "2025-26-Q3" / "dasv-2025-26-Q3-metrics.json").read_text())
    assert public["edition"] == "public" and "rolling_12_months" not in public["marac"]
    restricted = folder / "out" / "2025-26-Q3" / "restricted" / "dasv-2025-26-Q3-OFFICIAL-SENSITIVE-metrics.json"
    doc = json.loads(restricted.read_text())  # the unsuppressed edition: every figure, the SafeLives year
    rows = doc["idva"]["by_report_row"]
    assert rows["Older People (65+ service)"]["total_referrals"] > 0  # a specialism of its own, spelled its way
    assert rows["Stalking, Caldwick and Greyhaven"]["total_referrals"] > 0
    # SafeLives: every agency not the police, after mapping the force's own spellings onto Police
    with open(folder / "inbox" / "marac" / "MARAC cases.csv", encoding="utf-8") as fh:
        cases = list(csv.DictReader(fh))
    start, end = date(2025, 1, 1), date(2025, 12, 31)

    def day(text):
        d, m, y = map(int, text.split("/"))
        return date(y, m, d)

    heard = [c for c in cases if c["Conference Date"] and start <= day(c["Conference Date"]) <= end]
    partner = [c for c in heard if c["Referring Agency"] not in ("Wyvernshire Constabulary", "Wyvern Police")]
    rolling = doc["marac"]["rolling_12_months"]
    assert rolling["cases_heard"] == len(heard)
    assert rolling["partner_agency_referrals"] == len(partner) < len(heard)


def test_no_output_names_a_cambridgeshire_place(adopted):
    folder, _, _ = adopted
    names = cambridgeshire_names()
    assert "Fenland" in names and "Cambs" in names and "Hunts" in names
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)
    seen_kinds = set()
    found = []
    for root in (folder / "out", folder / "publish"):
        for path, text in output_texts(root):
            seen_kinds.add(path.suffix.lower())
            found += [f"{path.relative_to(folder)}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert {".pdf", ".html", ".xlsx", ".csv", ".json"} <= seen_kinds
    restricted = folder / "out" / "2025-26-Q3" / "restricted"
    assert (restricted / "dasv-2025-26-Q3-OFFICIAL-SENSITIVE-marac-return.xlsx").exists()
    assert len(list((folder / "out" / "2025-26-Q3" / "districts").iterdir())) == 7
    assert not found, "\n".join(found[:20])


def test_a_police_area_of_the_whole_county_is_shown_once(adopted):
    folder, _, _ = adopted
    html = (folder / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.html").read_text(encoding="utf-8")
    assert f"{COUNTY} and {COUNTY}" not in html
    assert ", all districts<" not in html and "(7 districts)" not in html
    with open(folder / "out" / "2025-26-Q3" / "csv" / "dasv-2025-26-Q3-year_ending_police.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["Measure", f"{COUNTY} YE Dec 2023", f"{COUNTY} YE Dec 2024", f"{COUNTY} YE Dec 2025", "status"]
    with open(folder / "out" / "2025-26-Q3" / "csv" / "dasv-2025-26-Q3-headline.csv", encoding="utf-8") as fh:
        labels = [row[0] for row in csv.reader(fh)]
    police = [label for label in labels if label.startswith("Police DA incidents")]
    assert len(police) == 1, police


def test_year_ending_unset_leaves_out_years_with_nothing_held(adopted):
    folder, _, _ = adopted
    html = (folder / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.html").read_text(encoding="utf-8")
    assert "no figures are held for the year ending December 2022, so it is left out" in html
    assert "Year ending December" in html

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
    restricted = (
        folder / "out" / "2025-26-Q3" / "restricted" / "dasv-2025-26-Q3-OFFICIAL-SENSITIVE-metrics.json"
    )
    doc = json.loads(restricted.read_text())  # the unsuppressed edition: every figure, the SafeLives year
    rows = doc["idva"]["by_report_row"]
    assert (
        rows["Older People (65+ service)"]["total_referrals"] > 0
    )  # a specialism of its own, spelled its way
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
    with open(
        folder / "out" / "2025-26-Q3" / "csv" / "dasv-2025-26-Q3-year_ending_police.csv", encoding="utf-8"
    ) as fh:
        header = next(csv.reader(fh))
    assert header == [
        "Measure",
        f"{COUNTY} YE Dec 2023",
        f"{COUNTY} YE Dec 2024",
        f"{COUNTY} YE Dec 2025",
        "status",
    ]
    with open(folder / "out" / "2025-26-Q3" / "csv" / "dasv-2025-26-Q3-headline.csv", encoding="utf-8") as fh:
        labels = [row[0] for row in csv.reader(fh)]
    police = [label for label in labels if label.startswith("Police DA incidents")]
    assert len(police) == 1, police


def test_year_ending_unset_leaves_out_years_with_nothing_held(adopted):
    folder, _, _ = adopted
    html = (folder / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.html").read_text(encoding="utf-8")
    assert "no figures are held for the year ending December 2022, so it is left out" in html
    assert "Year ending December" in html


# --- a partnership in its first year (dasv/sample/first_year.py, `make adopt-first-year`) ---------


@pytest.fixture(scope="module")
def first_year(tmp_path_factory):
    """Ravensholm: three community safety areas, IDVA and MARAC from April 2025, no crimed column; run to publication."""
    from dasv.sample.first_year import write_first_year_example

    folder = tmp_path_factory.mktemp("first_year")
    config, inbox = write_first_year_example(folder)
    env = {**os.environ, "DASV_CONFIG": str(config), "DASV_DATABASE_URL": f"sqlite:///{folder / 'w.db'}",
           "DASV_PSEUDONYM_KEY": "first-year-key", "DASV_PUBLISH_DIR": str(folder / "publish"),
           "DASV_OUT": str(folder / "out"), "DASV_INBOX": str(inbox)}  # fmt: skip
    result = run("run", "--quarter", QUARTER, env=env, cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder, env, result


def test_a_first_year_partnership_publishes_every_slice_by_configuration_alone(first_year):
    from dasv.sample.first_year import AREAS

    folder, env, result = first_year
    assert f"published {QUARTER} version 1" in result.stdout
    published = folder / "publish" / "2025-26-Q3" / "v1"
    assert sorted(p.name for p in (published / "districts").iterdir()) == sorted(n.lower() for n in AREAS)
    public = json.loads((folder / "out" / "2025-26-Q3" / "dasv-2025-26-Q3-metrics.json").read_text())
    assert public["edition"] == "public"
    restricted = (
        folder / "out" / "2025-26-Q3" / "restricted" / "dasv-2025-26-Q3-OFFICIAL-SENSITIVE-metrics.json"
    )
    doc = json.loads(restricted.read_text())  # the unsuppressed edition: every figure
    assert doc["idva"]["total"]["engaged"] > 0
    assert set(doc["idva"]["by_report_row"]) >= {"Men's service", "Older victims"}
    assert (
        doc["idva"]["by_report_row"]["Men's service"]["total_referrals"] > 0
    )  # its own strand, spelled its way


def test_declined_is_engaged_no_by_its_yaml(first_year):
    """'Declined' in the Engaged? column counts as not engaged, by `value_aliases.idva.engaged`."""
    folder, env, _ = first_year
    wb = load_workbook(folder / "inbox" / "idva" / "IDVA 2025-26-Q3.xlsx", read_only=True)
    rows = [r for r in wb.active.iter_rows(min_row=4, values_only=True) if r[0] and r[0] != "Total"]
    wb.close()
    assert {r[5] for r in rows} == {"Yes", "No", "Declined"}
    doc = json.loads(run("metrics", "--quarter", QUARTER, env=env).stdout)
    assert doc["idva"]["total"]["engaged"] == sum(r[5] == "Yes" for r in rows)


def test_a_first_year_never_says_ok_beside_an_empty_value(first_year):
    from tests.absence_scan import csv_rows_ok_beside_empty, outputs_ok_beside_empty

    folder, env, _ = first_year
    bad, read = outputs_ok_beside_empty(folder / "out")
    assert read > 40 and not bad, "\n".join(bad[:20])
    for args in (["--quarter", QUARTER], ["--year-ending", "2025-09"], ["--year-ending", "2024-12"]):
        printed = run("metrics", *args, "--format", "csv", env=env)
        assert printed.returncode == 0, printed.stderr
        assert not csv_rows_ok_beside_empty(printed.stdout), args
    rows = {r[0]: r for r in csv.reader(run("metrics", "--year-ending", "2024-12", "--format", "csv",
                                            env=env).stdout.splitlines())}  # fmt: skip
    assert rows["police.by_area.Northgate.crimed_incidents"][1:] == ["", "not recorded"]  # no crimed column
    assert rows["police.by_area.Northgate.da_incidents"][2] == "ok"


def test_a_first_year_shows_no_year_before_its_services_began(first_year):
    folder, _, _ = first_year
    csvs = folder / "out" / "2025-26-Q3" / "csv"
    with open(csvs / "dasv-2025-26-Q3-year_ending_services.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["Measure", "Ravensholm YE Dec 2025", "status"]  # no column of "not supplied"
    html = (folder / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.html").read_text(encoding="utf-8")
    assert "No IDVA or MARAC figures are held for the years ending December 2023, December 2024" in html
    assert "not supplied" not in (csvs / "dasv-2025-26-Q3-year_ending_services.csv").read_text(
        encoding="utf-8"
    )


def test_three_areas_mean_heavy_suppression_as_the_guide_says(first_year):
    """docs/adopting.md, "Small partnerships": the slices withhold every IDVA and MARAC count; police counts are shown."""
    from dasv.sample.first_year import AREAS

    folder, _, _ = first_year
    guide = (Path(__file__).resolve().parents[2] / "docs" / "adopting.md").read_text(encoding="utf-8")
    assert (
        "IDVA referrals are\n  shown, while repeat referrals and the MARAC figures, a handful an area, are `<5` or `[c]`"
        in guide
    )
    for area in AREAS:
        slug = area.lower()
        with open(folder / "out" / "2025-26-Q3" / "districts" / slug / "csv" / f"dasv-2025-26-Q3-{slug}-headline.csv",
                  encoding="utf-8") as fh:  # fmt: skip
            shown = {row[0]: row[1] for row in csv.reader(fh)}
        assert {v for k, v in shown.items() if k.startswith(("Repeat", "MARAC", "Cases"))} <= {"<5", "[c]"}, (
            shown
        )
        assert int(shown["IDVA referrals"]) > 10 and int(shown["Police DA incidents"]) > 100


def test_the_first_year_speaks_in_its_own_words(first_year):
    """`words:` community safety area / borough in every sentence that names an area or the whole."""
    folder, env, _ = first_year
    out = folder / "out" / "2025-26-Q3"
    import html as html_module

    from dasv.rule import rule

    # the disclosure rule's sentence is the rule's own (dasv/report/joint.py, worded with the disclosure work)
    stated = " ".join(rule(5).split())
    found = []
    for path, text in output_texts(out):
        if path.suffix in (".html", ".pdf"):
            text = " ".join(
                html_module.unescape(re.sub(r'(id|aria-labelledby|href|class)="[^"]*"', "", text)).split()
            )
            text = text.replace(stated, "")
            found += [f"{path.name}: {m.group(0)}" for m in re.finditer(r".{0,40}\b(district|districts|county)\b.{0,20}",
                                                                         text, re.IGNORECASE)]  # fmt: skip
    html = (out / "dasv-2025-26-Q3.html").read_text(encoding="utf-8")
    assert "Community safety area comparison: funnel plot" in html and "the borough rate" in html
    assert not found, "\n".join(found[:20])
    check = run("config", "check", env=env)
    assert "Words: an area is a 'community safety area'" in check.stdout

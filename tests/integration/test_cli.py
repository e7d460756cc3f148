"""The `dasv` command as a user runs it: exit statuses, one-line errors, never a traceback."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dasv.config import DEFAULT_CONFIG
from tests.files import IDVA_HEADER, idva_rows, write_csv, write_xlsx


def run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "dasv", *args], capture_output=True, text=True,
                          env=env or os.environ.copy(), cwd=cwd, check=False)  # fmt: skip


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}


def test_load_then_skip_then_reload(tmp_path, env):
    path = write_csv(tmp_path / "inbox" / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(3)])
    first = run("load", str(tmp_path / "inbox"), env=env)
    assert first.returncode == 0, first.stderr
    assert "loaded 3 rows as batch 1 (2025-26 Q3)" in first.stdout
    again = run("load", str(path), env=env)
    assert again.returncode == 0 and "already loaded as batch 1" in again.stdout
    reload = run("load", str(path), "--reload", env=env)
    assert "replaced 3 rows loaded earlier" in reload.stdout


def test_refused_file_exit_1_with_located_messages_and_no_traceback(tmp_path, env):
    good = write_csv(tmp_path / "idva" / "good.csv", [IDVA_HEADER, *idva_rows(2)])
    bad = write_xlsx(
        tmp_path / "idva" / "bad.xlsx", [IDVA_HEADER, ["R1", "C1", "10/31/2025", "Narnia", "N", "Y"]]
    )
    result = run("load", str(good), str(bad), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"REFUSED {bad}: 2 problem(s); nothing from this file was loaded" in result.stderr
    assert (
        f"{bad}: sheet 'Referrals' row 2 column 'Referral Date': '10/31/2025' is only a valid date read month-first"
        in result.stderr
    )
    assert (
        f"{bad}: sheet 'Referrals' row 2 column 'District': 'Narnia' is not a known area; expected one of Cambridge City"
        in result.stderr
    )
    assert "loaded 2 rows" in result.stdout  # the good file still loads: all or nothing per file
    doc = json.loads(run("metrics", "--quarter", "2025-26Q3", env=env).stdout)
    assert doc["idva"]["total"]["total_referrals"] == 2


def test_check_reports_without_loading(tmp_path, env):
    write_xlsx(tmp_path / "inbox" / "idva" / "ok.xlsx",
               [["Banner"], IDVA_HEADER + ["Client Name", "Referral Route"], *[r + ["Ann Other", "other"] for r in idva_rows(2)]])  # fmt: skip
    result = run("check", str(tmp_path / "inbox"), env=env)
    assert result.returncode == 0, result.stderr
    assert "idva, sheet Referrals, header row 2, 2 rows would load" in result.stdout
    assert "ignored columns (never stored): Client Name" in result.stdout
    assert not (tmp_path / "w.db").exists()
    write_csv(
        tmp_path / "inbox" / "idva" / "bad.csv",
        [IDVA_HEADER, ["R1", "C1", "03/10/2025", "Fenland", "N", "Y"]],
    )
    assert run("check", str(tmp_path / "inbox"), env=env).returncode == 1


def test_missing_pseudonym_key_is_a_clear_error(tmp_path, env):
    write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(1)])
    env = {k: v for k, v in env.items() if k != "DASV_PSEUDONYM_KEY"}
    result = run("load", str(tmp_path / "idva"), env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("dasv: DASV_PSEUDONYM_KEY is not set")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["metrics", "--quarter", "Q3 2025"], ["metrics"], ["load"], ["frobnicate"]])
def test_wrong_usage_exit_2(env, args):
    result = run(*args, env=env)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path):
    env = {**os.environ, "DASV_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = run("metrics", "--quarter", "2025-26 Q3", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "dasv: cannot open the warehouse postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_db_upgrade(tmp_path, env):
    result = run("db", "upgrade", env=env)
    assert result.returncode == 0 and "latest schema" in result.stdout


def test_metrics_formats(tmp_path, env):
    write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(4)])
    assert run("load", str(tmp_path / "idva"), env=env).returncode == 0
    as_csv = run("metrics", "--quarter", "2025-26-Q3", "--format", "csv", env=env).stdout.splitlines()
    assert as_csv[0] == "measure,value,status" and "idva.total.total_referrals,4,ok" in as_csv
    assert "marac.referrals,,not supplied" in as_csv  # only an IDVA export is loaded: MARAC is not 0
    table = run("metrics", "--quarter", "2025-26 Q3", "--format", "table", env=env).stdout
    assert "total_referrals" in table and "Fenland" in table


def test_demo_runs_on_its_own_warehouse(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DASV_PSEUDONYM_KEY", "DASV_DATABASE_URL")}
    result = run("demo", "--out", str(tmp_path / "demo"), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^IDVA referrals +476 +434–521 +516 +-40 \(-8%\) +Normal variation$", result.stdout, re.M
    ), result.stdout
    assert re.search(
        r"^Engagement % of criteria met +76.5% +72–81% +80.5% +-4.0 points +Normal variation$",
        result.stdout,
        re.M,
    )
    assert Path(tmp_path / "demo" / "warehouse.db").exists()
    # the headline it prints is the published county report's, row for row (police rows included)
    csv_file = tmp_path / "demo" / "out" / "2025-26-Q3" / "csv" / "dasv-2025-26-Q3-headline.csv"
    with csv_file.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    printed = {line.split("  ")[0]: line for line in result.stdout.splitlines()}
    for row in rows:
        line = printed.get(row["Measure"])
        assert line is not None, f"{row['Measure']!r} is not printed as the county report prints it"
        if row["2025-26 Q3"].isdigit():  # a count: printed with its thousands comma
            assert f"{int(row['2025-26 Q3']):,}" in line.split(), (row, line)


@pytest.fixture(scope="module")
def sample_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli-sample")
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp / 'w.db'}", "DASV_OUT": str(tmp / "out"),
           "DASV_INBOX": str(tmp / "inbox"), "DASV_PUBLISH_DIR": str(tmp / "publish")}  # fmt: skip
    assert run("sample-data", "--out", str(tmp / "inbox"), env=env).returncode == 0
    return tmp, env


def test_run_loads_and_renders_everything(sample_env):
    tmp, env = sample_env
    result = run("run", "--quarter", "2025-26 Q3", env=env)
    assert result.returncode == 0, result.stderr
    assert "loaded   idva/" in result.stdout or "loaded" in result.stdout
    assert (tmp / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.pdf").is_file()
    assert (tmp / "out" / "2025-26-Q3" / "districts" / "fenland" / "dasv-2025-26-Q3-fenland.pdf").is_file()
    again = run("run", "--quarter", "2025-26-Q3", env=env)
    files = [p for p in (tmp / "inbox").rglob("*") if p.suffix in (".xlsx", ".csv")]
    assert again.stdout.count("already loaded") == len(files) == 11  # a rerun loads nothing twice
    assert "use --reload to load it again" in again.stdout


def test_report_for_one_district_renders_only_that_slice(sample_env, tmp_path):
    tmp, env = sample_env
    run("load", str(tmp / "inbox"), env=env)
    result = run("report", "--quarter", "2025-26 Q3", "--district", "Hunts", "--out", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    made = sorted(p.name for p in tmp_path.rglob("*.pdf"))
    assert made == ["dasv-2025-26-Q3-huntingdonshire.pdf"]


def test_metrics_for_a_district_is_suppressed(sample_env):
    tmp, env = sample_env
    run("load", str(tmp / "inbox"), env=env)
    doc = json.loads(run("metrics", "--quarter", "2025-26 Q3", "--district", "Pboro", env=env).stdout)
    assert doc["district"] == "Peterborough" and doc["idva"]["total"]["total_referrals"] == 15
    assert (
        doc["idva"]["by_report_row"]["CYP Peterborough excluding MARAC referrals"]["total_referrals"] == "<5"
    )
    bad = run("metrics", "--quarter", "2025-26 Q3", "--district", "Narnia", env=env)
    assert bad.returncode == 2 and "expected one of Cambridge City" in bad.stderr


def test_purge_needs_yes_and_reports_counts(tmp_path, env):
    write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(2, day="03/10/2019")])
    assert run("load", str(tmp_path / "idva"), env=env).returncode == 0
    refused = run("purge", "--before", "2020-21 Q1", env=env)
    assert refused.returncode == 2 and "--dry-run first, then --yes" in refused.stderr
    dry = run("purge", "--before", "2020-21 Q1", "--dry-run", env=env)
    assert (
        dry.returncode == 0
        and "would delete (facts before 2020-21 Q1): 0 idva_referral_specialism, 2 idva_referral"
        in dry.stdout
    )
    done = run("purge", "--before", "2020-21 Q1", "--yes", env=env)
    assert done.returncode == 0 and "deleted" in done.stdout and "purge batch" in done.stdout


def test_parameters_never_reach_sql_or_file_names(tmp_path, env):
    write_csv(tmp_path / "idva" / "q3.csv", [IDVA_HEADER, *idva_rows(2)])
    run("load", str(tmp_path / "idva"), env=env)
    for district in ["Fenland'; DROP TABLE idva_referral; --", "../../etc/passwd", "Fenland\\nX"]:
        result = run(
            "report", "--quarter", "2025-26 Q3", "--district", district, "--out", str(tmp_path / "o"), env=env
        )
        assert result.returncode == 2 and "is not a district" in result.stderr
    result = run("metrics", "--quarter", "2025-26 Q3'; DROP TABLE quarter; --", env=env)
    assert result.returncode == 2
    doc = json.loads(run("metrics", "--quarter", "2025-26 Q3", env=env).stdout)
    assert doc["idva"]["total"]["total_referrals"] == 2  # nothing was dropped
    assert not (tmp_path / "o").exists()


def test_every_command_checks_the_configuration_first(tmp_path):
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["suppresion"] = config.pop("suppression")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "DASV_CONFIG": str(path), "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    for args in (
        ["metrics", "--quarter", "2025-26 Q3"],
        ["db", "check"],
        ["config", "check"],
        ["sample-data", "--out", str(tmp_path / "s")],
        ["portal", "user", "list"],
    ):
        result = subprocess.run([sys.executable, "-m", "dasv", *args], capture_output=True, text=True, env=env,
                                check=False)  # fmt: skip
        assert result.returncode == 1, (args, result.stderr)
        assert "`suppresion`: not a setting; did you mean `suppression`?" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "w.db").exists()  # nothing ran
    shown = subprocess.run([sys.executable, "-m", "dasv", "metrics", "--help"], capture_output=True, text=True,
                           env=env, check=False)  # fmt: skip
    assert shown.returncode == 0 and "--quarter" in shown.stdout  # help needs no configuration

"""Absence is never zero: a period a source does not cover reads "not supplied" in every output.

The scenario of the issue: police and MARAC for 2025-26 Q1–Q3, IDVA for Q2–Q3 only (the
sample inbox without its IDVA files for Q1 and the years before). Every output of the Q3
run is scanned: the county and slice CSVs, spreadsheets, HTML and PDF text, and the JSON
documents, as a reader of each would see them. Lineage and the optional-column statuses
have their own small fixtures whose contributions are known.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from datetime import date

import openpyxl
import pytest

from dasv.config import load_deployment
from dasv.measures.document import metrics_document
from dasv.measures.marac import rolling_year
from dasv.measures.status import Missing
from dasv.pipeline import load_files, render_quarter
from dasv.privacy import Pseudonymiser
from dasv.quarters import Quarter
from dasv.report.build import build_report
from dasv.report.cells import format_cell
from dasv.report.model import Column, ReportTable
from dasv.report.slices import SliceBuilder
from dasv.report.tables.safelives import safelives_table
from dasv.warehouse.db import open_warehouse
from tests.conftest import copy_sample
from tests.files import write_csv

Q1, Q3 = Quarter.parse("2025-26 Q1"), Quarter.parse("2025-26 Q3")
IDVA_LABELS = ("IDVA referrals", "Referral criteria met", "Engagement % of criteria met", "Repeat referrals",
               "Repeat % of IDVA referrals", "Engaged")  # fmt: skip


@pytest.fixture(scope="module")
def no_idva_q1(tmp_path_factory, sample_template):
    tmp = tmp_path_factory.mktemp("absence")
    deployment = load_deployment()
    deployment.publication.restricted_edition = True  # the whole report (every area row) is read below
    inbox = copy_sample(sample_template, tmp, warehouse=False).inbox
    keep = {"Oasis referrals Oct-Dec 2025.xlsx", "idva_export_jul-sep_2025.csv"}
    for path in (inbox / "idva").iterdir():  # the Q1 file and the history before it go
        if path.name not in keep:
            path.unlink()
    assert sorted(p.name for p in (inbox / "idva").iterdir()) == [
        "Oasis referrals Oct-Dec 2025.xlsx", "idva_export_jul-sep_2025.csv"]  # fmt: skip
    engine = open_warehouse(f"sqlite:///{tmp / 'w.db'}")
    load_files(engine, [inbox], deployment, Pseudonymiser("k"))
    outputs = render_quarter(engine, deployment, Q3, tmp / "out", commentary_dir=inbox / "commentary")
    return {"engine": engine, "deployment": deployment, "outputs": outputs, "tmp": tmp}


def _q1_idva_headers(headers: list[str]) -> list[int]:
    return [i for i, h in enumerate(headers) if h and "2025-26 Q1" in h and any(h.startswith(x) or f" {x}" in h
            for x in IDVA_LABELS) and not h.endswith(("lower", "upper"))]  # fmt: skip


def test_every_q1_idva_figure_of_the_county_csvs_is_empty_with_its_status(no_idva_q1):
    county = no_idva_q1["outputs"]["restricted"]
    checked = 0
    for key, path in county.items():
        if not key.startswith("csv:") or key.endswith(("headline", "coverage")):
            continue
        rows = list(csv.reader(path.open(encoding="utf-8")))
        assert rows[0][-1] == "status"
        for index in _q1_idva_headers(rows[0]):
            for row in rows[1:]:
                assert row[index] == "", (path.name, rows[0][index], row)
                assert f"{rows[0][index]}: not supplied" in row[-1]
                checked += 1
    assert checked >= 5 * (1 + 10 + 6)  # the total, each area row with the total, each report row
    other = list(csv.reader(county["csv:other_data"].open(encoding="utf-8")))
    q1 = other[0].index("2025-26 Q1")
    demographic = [r for r in other[1:] if "(IDVA)" in r[0] or r[0].startswith("LGBT")]
    assert len(demographic) >= 4
    for row in demographic:  # the IDVA export's demographics: not supplied either
        assert row[q1] == "" and "2025-26 Q1: not supplied" in row[-1], row


def test_every_q1_idva_figure_of_the_spreadsheets_is_x(no_idva_q1):
    outputs = no_idva_q1["outputs"]
    checked = 0
    for report in ("restricted", "county", "district:Fenland"):
        found = next(v for k, v in outputs.items() if k == report or k.endswith(report.split(":")[-1]))
        wb = openpyxl.load_workbook(found["xlsx"])
        for ws in wb.worksheets:
            if not ws.title.startswith("Table_"):
                continue
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            header_at = next(
                (i for i, r in enumerate(rows) if _q1_idva_headers([str(c or "") for c in r])), None
            )
            if header_at is None:
                continue
            for index in _q1_idva_headers([str(c or "") for c in rows[header_at]]):
                for row in rows[header_at + 1 :]:
                    if row[0] in (None, ""):
                        continue
                    assert row[index] == "[x]", (ws.title, rows[header_at][index], row)
                    checked += 1
    assert checked >= 30


def test_the_pdf_and_html_print_not_supplied_never_zero(no_idva_q1):
    outputs = no_idva_q1["outputs"]
    county = outputs["restricted"]
    with no_idva_q1["engine"].connect() as conn:
        report = build_report(conn, no_idva_q1["deployment"], Q3)
    missing = sum(1 for t in report.all_tables for m in t.missing() if m.status == "not supplied")
    assert missing >= 90
    text = subprocess.run(["pdftotext", "-layout", str(county["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert text.count("supplied") >= missing  # (a narrow column may wrap "not" away from "supplied")
    html = county["html"].read_text(encoding="utf-8")
    assert len(re.findall(r"<td[^>]*>\s*not supplied\s*</td>", html)) >= missing
    # the area table's Q1 column: every area row reads not supplied, none 0
    area = next(t for t in report.all_tables if t.key == "idva_by_area")
    q1 = [i for i, c in enumerate(area.columns) if c.header == "IDVA referrals 2025-26 Q1"][0]
    assert {area.text(r, q1) for r in range(len(area.rows))} == {"not supplied"}
    assert any("no IDVA referral export loaded covers 2025-26 Q1" in n for n in area.notes)


def test_the_slices_show_the_same(no_idva_q1):
    fenland = next(v for k, v in no_idva_q1["outputs"].items() if k.endswith("Fenland"))
    path = next(p for k, p in fenland.items() if k.startswith("csv:") and k.endswith("idva_district"))
    rows = list(csv.reader(path.open(encoding="utf-8")))
    q1 = [i for i, h in enumerate(rows[0]) if h.endswith("2025-26 Q1")]
    assert len(q1) == 2  # Fenland and the county
    for row in rows[1:]:
        assert [row[i] for i in q1] == ["", ""] and "not supplied" in row[-1]
    text = subprocess.run(["pdftotext", "-layout", str(fenland["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "not supplied" in text


def test_json_documents_of_the_quarter_are_null_with_the_reason(no_idva_q1):
    engine, deployment = no_idva_q1["engine"], no_idva_q1["deployment"]
    with engine.connect() as conn:
        doc = metrics_document(conn, deployment, Q1)
        district = SliceBuilder(conn, deployment, Q1).metrics("Fenland")
    assert doc["status"]["idva"] == "not supplied" and doc["status"]["marac"] == "ok"
    assert set(doc["idva"]["total"].values()) == {None} and doc["idva"]["by_area"] == {}
    assert all(set(row.values()) == {None} for row in doc["idva"]["by_report_row"].values())
    assert (
        doc["demographics"]["disability"] is None
        and doc["status"]["demographics.disability"] == "not supplied"
    )
    assert isinstance(doc["marac"]["referrals"], int)
    assert district["status"]["idva"] == "not supplied"
    assert set(district["idva"]["total"].values()) == {None}
    json.dumps(doc), json.dumps(district)  # nothing but JSON in them


def test_the_coverage_table_says_why(no_idva_q1):
    county = no_idva_q1["outputs"]["county"]
    path = next(p for k, p in county.items() if k.startswith("csv:") and k.endswith("coverage"))
    rows = {r[0]: r for r in csv.reader(path.open(encoding="utf-8"))}
    idva = rows["IDVA referral export"]
    assert idva[1] == "2025-07 to 2025-12" and idva[3].endswith("to 2025-06")  # Q1 and the years before
    assert rows["Police monthly counts"][3] == "none"


def test_dasv_metrics_refuses_a_quarter_with_nothing_and_marks_a_partial_year(no_idva_q1, tmp_path):
    import os
    import sys

    db = no_idva_q1["tmp"] / "w.db"
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{db}", "DASV_PSEUDONYM_KEY": "k"}

    def dasv(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dasv", *args], capture_output=True, text=True, env=env)

    empty = dasv("metrics", "--quarter", "2030-31 Q1")
    assert empty.returncode == 1 and empty.stdout == ""
    assert empty.stderr.strip().splitlines() == [
        "dasv: 2030-31 Q1 (April – June 2030) has nothing loaded: no IDVA referrals, no MARAC cases and no "
        "police months; load its exports first (no measures printed)"]  # fmt: skip
    missing = tmp_path / "no-such.db"  # a reading command names a missing warehouse and never creates one
    absent = subprocess.run([sys.executable, "-m", "dasv", "metrics", "--quarter", "2025-26 Q3"], capture_output=True,
                            text=True, env={**env, "DASV_DATABASE_URL": f"sqlite:///{missing}"})  # fmt: skip
    assert absent.returncode == 1 and str(missing) in absent.stderr and not missing.exists()
    nothing = dasv("metrics", "--year-ending", "2030-09")
    assert nothing.returncode == 1 and "has nothing loaded" in nothing.stderr and nothing.stdout == ""
    year = dasv("metrics", "--year-ending", "2021-12", "--district", "Fenland", "--format", "csv")
    assert year.returncode == 0, year.stderr
    rows = {r[0]: r for r in csv.reader(year.stdout.splitlines())}
    assert rows["measure"] == ["measure", "value", "status"]
    assert rows["police.by_area.Fenland.da_incidents"][1:] == ["", "incomplete"]
    quarter = dasv("metrics", "--quarter", "2025-26 Q1", "--format", "csv")
    rows = {r[0]: r for r in csv.reader(quarter.stdout.splitlines())}
    assert rows["idva.total.total_referrals"][1:] == ["", "not supplied"]
    assert rows["marac.referrals"][2] == "ok" and rows["marac.referrals"][1] != ""


def test_a_figure_with_no_value_is_never_formatted_as_a_number():
    """Every renderer's path for a cell: print form, spreadsheet/CSV value and the row's status."""
    from dasv.report_templates.csv_out import csv_value
    from dasv.report_templates.xlsx import table_cells

    kinds = ["count", "pct", "rate", "number", "change", "interval", "variation"]
    cells = [Missing("not supplied"), Missing("incomplete"), Missing("not recorded")]
    for kind in kinds:
        for cell in cells:
            assert format_cell(cell, kind) == cell.status
    table = ReportTable("t", "T", [Column("Measure", "label"), *[Column(f"{k} col", k) for k in ("count", "pct", "rate")]],
                        [["a", *cells]])  # fmt: skip
    headers, rows = table_cells(table)
    assert [v for v, h in zip(rows[0], headers, strict=True) if not h.endswith(("lower", "upper"))][1:] == [
        "[x]"
    ] * 3
    assert all(csv_value(c) == "" for c in table.data_rows()[0][1:])
    assert table.row_status(0) == "count col: not supplied; pct col: incomplete; rate col: not recorded"


# --- statuses of optional columns and of part of a rolling year -------------------------------

MARAC_HEADER = ["Case ID", "Client ID", "Referral Date", "Hearing Date", "District", "Referring Agency"]


def _marac_rows(quarters: list[Quarter], start: int = 0) -> list[list]:
    rows = []
    for n, q in enumerate(quarters):
        for i in range(6):
            ref, heard = q.start.replace(day=2), q.start.replace(day=20)
            rows.append([f"M{start + n}-{i}", f"P{start + n}-{i}", f"{ref:%d/%m/%Y}", f"{heard:%d/%m/%Y}", "Fenland",
                         "Police" if i % 2 else "Housing"])  # fmt: skip
    return rows


def test_a_marac_list_without_disability_or_orientation_columns_reads_not_recorded(
    engine, deployment, tmp_path
):
    year = Q3.last_n(4)
    write_csv(tmp_path / "marac" / "m.csv", [MARAC_HEADER, *_marac_rows(year)])
    load_files(engine, [tmp_path / "marac"], deployment, Pseudonymiser("k"), today=date(2026, 1, 20))
    with engine.connect() as conn:
        rolling = rolling_year(conn, Q3, 300_000)
    assert rolling["cases_heard"] == 24 and rolling["partner_agency_referrals"] == 12
    assert rolling["disabled"] is None and rolling["status"]["disabled"] == "not recorded"
    assert (
        rolling["lgbt"] is None
        and rolling["lgbt_pct"] is None
        and rolling["status"]["lgbt"] == "not recorded"
    )
    table = safelives_table(rolling, Q3, deployment)
    shown = {row[0]: [table.text(i, 1), table.text(i, 2)] for i, row in enumerate(table.rows)}
    assert shown["Victim disabled"] == ["not recorded", "not recorded"]
    assert shown["Victim LGBT+"] == ["not recorded", "not recorded"]
    assert shown["Referred by partner agencies (not police)"] == ["12", "50%"]
    note = next(
        n for n in table.notes if n.startswith("Not recorded")
    )  # in the report's words, not field names
    assert note.startswith(
        "Not recorded: the MARAC case list has no Gender, Disability, Sexual Orientation, "
        "Ethnicity or Age column in some or all of the twelve months; Victim male, Victim disabled"
    )
    assert "pct" not in note and "_" not in note


def test_nine_months_of_marac_lists_make_the_rolling_year_incomplete(engine, deployment, tmp_path):
    write_csv(tmp_path / "marac" / "m.csv", [MARAC_HEADER, *_marac_rows(Q3.last_n(3))])
    load_files(engine, [tmp_path / "marac"], deployment, Pseudonymiser("k"), today=date(2026, 1, 20))
    with engine.connect() as conn:
        rolling = rolling_year(conn, Q3, 300_000)
    assert rolling["cases_heard"] is None and rolling["status"]["cases_heard"] == "incomplete"
    table = safelives_table(rolling, Q3, deployment)
    assert table.text(0, 1) == "incomplete" and table.text(1, 1) == "incomplete"
    assert any("do not cover the whole twelve months" in n for n in table.notes)


# --- lineage ------------------------------------------------------------------------------------

POLICE_HEADER = ["Month", "District", "DA Incidents", "DA Crimes"]


def test_a_report_lists_exactly_the_files_behind_its_figures(engine, deployment, tmp_path):
    """Files whose contributions are known: used by the quarter, the monthly series, nothing, superseded."""
    districts = [a.name for a in deployment.districts]

    def police(name: str, months: list[str]) -> None:
        write_csv(tmp_path / name, [POLICE_HEADER, *[[m, d, 50, 30] for m in months for d in districts]])

    police("p_q3.csv", ["2025-10", "2025-11", "2025-12"])  # the quarter itself
    police("p_series.csv", ["2024-03"])  # only in the 24 months of the SPC charts
    police("p_short_year.csv", ["2022-01", "2022-02"])  # a year-ending window it leaves incomplete: no figure
    police("p_old.csv", ["2012-05"])  # nothing of the report
    write_csv(tmp_path / "i_first.csv", [["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met",
                                          "Engaged"], ["A1", "C1", "03/10/2025", "Fenland", "Y", "Y"]])  # fmt: skip
    write_csv(tmp_path / "i_q3.csv", [["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met",
                                       "Engaged"], ["A1", "C1", "03/10/2025", "Fenland", "Y", "N"]])  # fmt: skip
    write_csv(tmp_path / "i_2018.csv", [["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met",
                                         "Engaged"], ["B1", "C9", "03/10/2018", "Fenland", "Y", "Y"]])  # fmt: skip
    key = Pseudonymiser("k")
    for name, source in [("p_q3.csv", "police"), ("p_series.csv", "police"), ("p_short_year.csv", "police"),
                         ("p_old.csv", "police"), ("i_first.csv", "idva"), ("i_q3.csv", "idva"),
                         ("i_2018.csv", "idva")]:  # fmt: skip
        [(_, outcome)] = load_files(engine, [tmp_path / name], deployment, key, source=source,
                                    today=date(2026, 1, 20))  # fmt: skip
        assert outcome.status == "loaded", outcome.message
    with engine.connect() as conn:
        report = build_report(conn, deployment, Q3)
    assert sorted(s.file_name for s in report.sources) == ["i_q3.csv", "p_q3.csv", "p_series.csv"]


def test_the_portal_feed_carries_the_status_never_a_zero(no_idva_q1):
    """The analyst's feed of a Q1 slice published without its IDVA export: empty values, 'not supplied'."""
    from datetime import UTC, datetime

    from dasv.portal.feed import feed_rows

    engine, deployment = no_idva_q1["engine"], no_idva_q1["deployment"]
    with engine.connect() as conn:
        doc = SliceBuilder(conn, deployment, Q1).metrics("Fenland")
    rows = [r for r in feed_rows([("2025-26 Q1", 1, datetime(2026, 1, 1, tzinfo=UTC), doc)], "Fenland")
            if r.period_type == "quarter"]  # fmt: skip
    idva = [r for r in rows if r.measure.startswith(("idva.", "demographics."))]
    assert len(idva) >= 12 and {r.area for r in idva} >= {"Fenland"}
    assert {(r.value, r.status, r.complete) for r in idva} == {(None, "not supplied", False)}, idva[:3]
    marac = [r for r in rows if r.measure == "marac.referrals" and r.area == "Fenland"]
    assert marac and marac[0].status in ("ok", "withheld") and marac[0].complete


# --- never "ok" beside an empty value ----------------------------------------------------------


def test_no_output_says_ok_beside_an_empty_value(no_idva_q1):
    """Every CSV row, JSON figure and feed row of the rendered quarter (county and slices)."""
    from datetime import UTC, datetime

    from dasv.portal.feed import feed_rows
    from tests.absence_scan import outputs_ok_beside_empty

    bad, read = outputs_ok_beside_empty(no_idva_q1["tmp"] / "out")
    assert read > 50 and not bad, "\n".join(bad[:20])
    engine, deployment = no_idva_q1["engine"], no_idva_q1["deployment"]
    rows = []
    with engine.connect() as conn:
        for district in [d.name for d in deployment.districts[:2]]:
            docs = [(q.label, 1, datetime(2026, 1, 1, tzinfo=UTC), SliceBuilder(conn, deployment, q).metrics(district))
                    for q in (Q1, Q3)]  # fmt: skip
            rows += feed_rows(docs, district)
    bad_rows = [(r.period, r.measure, r.area) for r in rows if r.value is None and r.status == "ok"]
    assert len(rows) > 100 and not bad_rows, bad_rows[:10]


def test_a_police_export_without_a_crimed_column_is_not_recorded(engine, deployment, tmp_path):
    """A whole year of police months without the crimed column: the crimed figures are 'not recorded', never empty 'ok'."""
    import os
    import sys

    from dasv.measures.present import as_csv, explain_nulls
    from dasv.measures.year_ending import YearEnding, year_ending_document
    from dasv.report.year_ending import YearEndingFigures
    from tests.absence_scan import csv_rows_ok_beside_empty, json_nulls_beside_ok

    months = [f"2025-{m:02d}" for m in range(1, 13)]
    districts = [a.name for a in deployment.districts]
    write_csv(
        tmp_path / "police" / "p.csv", [POLICE_HEADER, *[[m, d, 50, 30] for m in months for d in districts]]
    )
    load_files(engine, [tmp_path / "police"], deployment, Pseudonymiser("k"), today=date(2026, 1, 20))
    year = YearEnding.parse("2025-12")
    with engine.connect() as conn:
        doc = explain_nulls(year_ending_document(conn, deployment, year))
        figures = YearEndingFigures(conn, deployment, year, years=1)
    fenland = doc["police"]["by_area"]["Fenland"]
    assert fenland["da_incidents"] == 600 and fenland["crimed_incidents"] is None
    assert (
        fenland["status"]["crimed_incidents"] == "not recorded"
        and fenland["status"]["total_per_1000"] == "not recorded"
    )
    rows = {r[0]: r for r in csv.reader(as_csv(doc).splitlines())}
    assert rows["police.by_area.Fenland.crimed_incidents"][1:] == ["", "not recorded"]
    assert rows["police.by_area.Fenland.da_incidents"][1:] == ["600", "ok"]
    assert not json_nulls_beside_ok(doc)
    table = figures.police_table([("county", "County")], suppressed=False)
    shown = {row[0]: table.text(i, 1) for i, row in enumerate(table.rows)}
    assert shown["Incidents that resulted in a crime"] == "not recorded"
    assert (
        shown["Police DA incidents"] == "3,600"
        and shown["Police recorded DA per 1,000 population (all ages)"] == "not recorded"
    )
    from dasv.report_templates.csv_out import render_csv

    path = render_csv(table, tmp_path / "ye.csv")
    assert not csv_rows_ok_beside_empty(path.read_text(encoding="utf-8"))
    env = {**os.environ, "DASV_DATABASE_URL": str(engine.url), "DASV_PSEUDONYM_KEY": "k"}
    printed = subprocess.run([sys.executable, "-m", "dasv", "metrics", "--year-ending", "2025-12", "--format", "csv"],
                             capture_output=True, text=True, env=env)  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    assert "police.by_area.Fenland.crimed_incidents,,not recorded" in printed.stdout
    assert not csv_rows_ok_beside_empty(printed.stdout)

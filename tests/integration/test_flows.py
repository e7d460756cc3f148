"""The flows under prefect_test_harness: artifacts, reruns, refusals, delivery to a real SMTP server."""

from __future__ import annotations

import json
import re
import shutil
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from prefect.artifacts import Artifact
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import func, select

from dasv.warehouse.db import open_warehouse
from dasv.warehouse.models import IdvaReferral, MaracCase, PoliceMonth
from tests.files import IDVA_HEADER, sample_fact_counts, write_csv
from tests.servers import free_port


@pytest.fixture(scope="session")
def harness():
    with prefect_test_harness(server_startup_timeout=90):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture(scope="session")
def sample_inbox(sample_template):
    return sample_template.inbox  # copied by each test's env


@pytest.fixture
def env(monkeypatch, tmp_path, sample_inbox, smtp):
    inbox = tmp_path / "inbox"
    shutil.copytree(sample_inbox, inbox)
    controller, _ = smtp
    values = {"DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}", "DASV_INBOX": str(inbox),
              "DASV_OUT": str(tmp_path / "out"), "DASV_PUBLISH_DIR": str(tmp_path / "publish"),
              "DASV_SMTP_HOST": "127.0.0.1",
              "DASV_SMTP_PORT": str(controller.port)}  # fmt: skip
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def fact_counts(tmp_path) -> tuple:
    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        counts = tuple(
            conn.scalar(select(func.count()).select_from(m)) for m in (IdvaReferral, MaracCase, PoliceMonth)
        )
    engine.dispose()
    return counts


def task_names(state) -> list[str]:
    """The names of a flow run's task runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    return [r.name for r in runs]


def test_quarterly_run_publishes_artifacts_and_a_rerun_changes_nothing(harness, env):
    from dasv.flows.quarterly_report import quarterly_report

    result = quarterly_report("2025-26 Q3")
    assert (env / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.pdf").is_file()
    assert len(result["outputs"]) == 7
    validation = json.loads(Artifact.get("dasv-validation-2025-26-q3").data)
    assert len(validation) == 11 and {row["status"] for row in validation} == {"loaded"}
    headline = json.loads(Artifact.get("dasv-headline-2025-26-q3").data)
    assert headline[0] == {"Measure": "IDVA referrals", "2025-26 Q3": "476", "95% interval 2025-26 Q3": "434–521",
                           "2025-26 Q2": "516", "Change": "-40 (-8%)", "Variation": "Normal variation"}  # fmt: skip
    engagement = next(row for row in headline if row["Measure"] == "Engagement % of criteria met")
    assert (engagement["2025-26 Q3"], engagement["Change"]) == (
        "76.5%",
        "-4.0 points",
    )  # as the PDF prints it
    outputs = Artifact.get("dasv-outputs-2025-26-q3")
    pdf = (env / "out" / "2025-26-Q3" / "dasv-2025-26-Q3.pdf").resolve().as_uri()
    assert f"]({pdf})" in outputs.data and "fenland" in outputs.data  # absolute file:// links
    before = fact_counts(env)
    assert before == sample_fact_counts()
    state = quarterly_report("2025-26-Q3", return_state=True)
    again = json.loads(Artifact.get("dasv-validation-2025-26-q3").data)
    assert {row["status"] for row in again} == {"skipped"}
    assert all("same SHA-256" in row["reason"] and "tick reload" in row["reason"] for row in again)
    # skipped unread: no row counts (never "rows read 2447, rows loaded 0")
    assert {(row["rows read"], row["rows loaded"]) for row in again} == {("not read", "not read")}
    names = task_names(state)
    assert any(n.startswith("find-inbox-files") for n in names)
    assert not [n for n in names if n.startswith(("read-file", "load-file"))]  # skipped unread
    assert fact_counts(env) == before
    quarterly_report("2025-26 Q3", reload=True)
    assert fact_counts(env) == before  # replaced, never doubled


def test_a_rerun_reads_only_new_files_and_those_a_new_load_could_replace(harness, env):
    from dasv.flows.quarterly_report import quarterly_report

    quarterly_report("2025-26 Q3")
    # sorts first in idva/: its load may replace periods the later IDVA files are in use for, so
    # those are read again (and then skipped as already loaded); MARAC and police files are not read
    write_csv(
        env / "inbox" / "idva" / "0-late.csv", [IDVA_HEADER, ["L1", "C1", "15/05/2023", "Fenland", "Y", "Y"]]
    )
    state = quarterly_report("2025-26 Q3", return_state=True)
    rows = {r["file"]: r for r in json.loads(Artifact.get("dasv-validation-2025-26-q3").data)}
    assert rows["idva/0-late.csv"]["status"] == "loaded"
    assert {r["status"] for f, r in rows.items() if f != "idva/0-late.csv"} == {"skipped"}
    reads = [n for n in task_names(state) if n.startswith("read-file")]
    assert len(reads) == sum(f.startswith("idva/") for f in rows) == 5


def test_bad_parameters_fail_at_once_with_one_line(harness, env):
    from dasv.flows.district_slice import district_slice
    from dasv.flows.quarterly_report import quarterly_report

    state = quarterly_report("Q3 2025", return_state=True)  # not a quarter: refused in words
    assert state.is_failed() and "quarter" in state.message
    state = quarterly_report("2025-27 Q3", return_state=True)  # the flow refuses it in one line
    assert state.is_failed() and state.message.startswith("quarter '2025-27 Q3': financial year 2025-27")
    assert "\n" not in state.message
    state = district_slice("Narnia", "2025-26 Q3", return_state=True)
    assert state.is_failed() and "district: Input should be 'Cambridge City'" in state.message
    assert not (env / "w.db").exists()  # nothing was done


def test_a_quarter_with_nothing_loaded_is_refused_and_the_operator_told(harness, env, smtp):
    from dasv.flows.district_slice import district_slice
    from dasv.flows.quarterly_report import quarterly_report

    _, received = smtp
    state = quarterly_report("2026-27 Q2", return_state=True)
    assert state.is_failed()
    assert state.message.startswith(
        "2026-27 Q2 (July – September 2026) has nothing loaded: no IDVA referrals"
    )
    assert not (env / "out" / "2026-27-Q2").exists()
    deadline = time.time() + 10
    while not received.messages and time.time() < deadline:
        time.sleep(0.2)
    assert len(received.messages) == 1 and received.messages[0]["Subject"].startswith("dasv run failed")
    assert "has nothing loaded" in received.messages[0].get_payload()
    state = district_slice("Fenland", "2026-27 Q2", return_state=True)
    assert state.is_failed() and "has nothing loaded" in state.message
    assert not (env / "out" / "2026-27-Q2").exists()


def run_logs(state) -> list[tuple[str, str]]:
    """(level name, message) of a flow run's log lines (they arrive in batches: waits for the hook's)."""
    import logging

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    deadline, lines = time.time() + 15, []
    while time.time() < deadline:
        with get_client(sync_client=True) as client:
            found = client.read_logs(
                LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id]))
            )
        lines = [(logging.getLevelName(entry.level), entry.message) for entry in found]
        if any("notice" in message for _, message in lines):
            break
        time.sleep(0.5)
    return lines


def test_on_the_demo_warehouse_a_failure_notice_is_logged_not_sent_to_a_missing_server(
    harness, env, smtp, monkeypatch
):
    from dasv.flows.quarterly_report import quarterly_report

    _, received = smtp
    monkeypatch.setenv("DASV_DEMO", "1")  # what `make prefect-worker` sets on the demo warehouse
    monkeypatch.delenv("DASV_SMTP_HOST")  # the demo's configuration names localhost:25: nothing there
    state = quarterly_report("2026-27 Q2", return_state=True)
    assert state.is_failed()
    lines = run_logs(state)
    assert any(level == "INFO" and "Demo: no SMTP server" in message and "has nothing loaded" in message
               for level, message in lines), lines  # fmt: skip
    assert not [m for level, m in lines if level == "ERROR" and "cannot send" in m], lines
    assert received.messages == []


def test_refused_file_fails_the_run_sends_no_report_and_tells_the_operator(harness, env, smtp):
    from dasv.flows.quarterly_report import quarterly_report

    _, received = smtp
    write_csv(
        env / "inbox" / "idva" / "zz-broken.csv",
        [IDVA_HEADER, ["X1", "C1", "10/31/2025", "Fenland", "Y", "Y"]],
    )
    state = quarterly_report("2025-26 Q3", deliver=True, return_state=True)
    assert state.is_failed() and "1 input file(s) refused" in state.message and "month-first" in state.message
    rows = json.loads(Artifact.get("dasv-validation-2025-26-q3").data)
    broken = next(r for r in rows if r["file"] == "idva/zz-broken.csv")
    assert broken["status"] == "refused" and "row 2 column 'Referral Date'" in broken["first refusal lines"]
    assert (
        broken["source"] == "idva" and broken["rows read"] == 1 and broken["reason"].startswith("refused: 1")
    )
    assert fact_counts(env) == sample_fact_counts()  # the other files loaded, nothing of the broken one
    deadline = time.time() + 10
    while not received.messages and time.time() < deadline:
        time.sleep(0.2)
    subjects = [m["Subject"] for m in received.messages]
    assert len(subjects) == 1 and subjects[0].startswith("dasv run failed: quarterly-report")
    assert "/runs/flow-run/" in received.messages[0].get_payload()


def test_delivery_sends_the_county_pdf_and_each_slice(harness, env, smtp):
    from dasv.flows.quarterly_report import quarterly_report

    _, received = smtp
    quarterly_report("2025-26 Q3", deliver=True)
    assert len(received.messages) == 7
    county = next(m for m in received.messages if m["To"] == "dasv-board@cambridgeshire.example")
    attachment = next(part for part in county.walk() if part.get_filename())
    assert attachment.get_filename() == "dasv-2025-26-Q3.pdf"
    assert attachment.get_payload(decode=True).startswith(b"%PDF")
    fenland = next(m for m in received.messages if m["To"] == "csp@fenland.example")
    assert "Fenland" in fenland["Subject"]


def test_unreachable_smtp_server_retries_then_fails_the_run(harness, env, monkeypatch):
    from dasv.flows.quarterly_report import quarterly_report
    from dasv.tasks.deliver import deliver_reports

    monkeypatch.setenv("DASV_SMTP_PORT", "1")  # nothing listens there
    monkeypatch.setattr(deliver_reports, "retry_delay_seconds", [0, 0, 0])
    with pytest.raises(Exception, match="cannot send through 127.0.0.1:1"):
        quarterly_report("2025-26 Q3", deliver=True)


def test_district_slice_flow(harness, env):
    from dasv.flows.district_slice import district_slice
    from dasv.flows.quarterly_report import quarterly_report

    quarterly_report("2025-26 Q3")
    outputs = district_slice("Huntingdonshire", "2025-26 Q3")
    assert outputs["pdf"].endswith("dasv-2025-26-Q3-huntingdonshire.pdf")
    assert "huntingdonshire" in Artifact.get("dasv-outputs-2025-26-q3-huntingdonshire").data


def test_no_output_log_or_artifact_holds_personal_data_or_keys(harness, env):
    """Names, postcodes, raw client IDs, person keys and the pseudonym key appear nowhere we write."""
    import os

    import openpyxl
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from pypdf import PdfReader

    from dasv.flows.quarterly_report import quarterly_report
    from dasv.privacy import Pseudonymiser
    from dasv.sample.generate import idva_referrals, marac_cases

    key = os.environ["DASV_PSEUDONYM_KEY"]
    pseudo = Pseudonymiser(key)
    referrals, cases = idva_referrals(), marac_cases()
    needles = {key}
    needles |= {r.client for r in referrals} | {r.name for r in referrals} | {r.postcode for r in referrals}
    needles |= {c.client for c in cases}
    needles |= {pseudo.key("idva-person", r.client) for r in referrals} | {
        pseudo.key("marac-person", c.client) for c in cases
    }

    state = quarterly_report("2025-26 Q3", return_state=True)
    texts: list[str] = []
    for path in (env / "out").rglob("*"):
        if path.suffix == ".pdf":
            texts += [page.extract_text() for page in PdfReader(path).pages]
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            texts += [
                str(c.value)
                for ws in wb.worksheets
                for row in ws.iter_rows()
                for c in row
                if c.value is not None
            ]
        elif path.suffix in (".csv", ".json", ".html"):
            texts.append(path.read_text(encoding="utf-8"))
    with get_client(sync_client=True) as client:
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        )
        texts += [entry.message for entry in logs]
        texts += [str(a.data) for a in client.read_artifacts()]
    assert len(logs) > 10 and len(texts) > 100
    blob = "\n".join(texts)
    leaked = sorted(n for n in needles if n in blob)
    assert leaked == []


def test_spreadsheet_and_csv_outputs_neutralise_formula_injection(tmp_path):
    """Configuration text that looks like a formula is written as text, never as a formula."""
    import csv as csv_module

    import openpyxl

    from dasv.report.cells import Change
    from dasv.report.model import Column, ReportTable
    from dasv.report_templates.csv_out import render_csv
    from dasv.report_templates.xlsx import render_xlsx
    from tests.unit.test_pdf_layout import _report

    table = ReportTable("t", "T", [Column("=HYPERLINK(\"http://x\")", "label"), Column("+cmd", "count"),
                                   Column("Change", "change")],
                        [["@SUM(1+1)", 5, Change(5, 45)], ["-2+3", -4, Change(-4, 0)]])  # fmt: skip
    path = render_csv(table, tmp_path / "t.csv")
    rows = list(csv_module.reader(path.open(encoding="utf-8")))
    assert rows == [['\'=HYPERLINK("http://x")', "'+cmd", "change", "change_pct", "change_points", "status"],
                    ["'@SUM(1+1)", "5", "-40", "-88.9", "", "change_points: not applicable (a count: see change)"],
                    ["'-2+3", "-4", "-4", "", "", "change_pct: no percentage change from 0; change_points: not "
                     "applicable (a count: see change)"]]  # never ok beside an empty value  # fmt: skip
    report = _report(1)
    report.tables = [table]
    wb = openpyxl.load_workbook(render_xlsx(report, tmp_path / "t.xlsx"))
    sheet = next(ws for ws in wb.worksheets if ws["A1"].value == "T")
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = {c.value: c.data_type for c in cells if isinstance(c.value, str)}
    # an xlsx string cell is never a formula: written as strings, with no visible guard apostrophe
    assert texts['=HYPERLINK("http://x")'] == texts["@SUM(1+1)"] == texts["-2+3"] == "s"
    assert not any(c.data_type == "f" for c in cells) and not any(str(v).startswith("'") for v in texts)
    numbers = [c.value for c in cells if isinstance(c.value, int | float)]
    assert -40 in numbers and -88.9 in numbers  # the change as numbers


def test_quarterly_flow_on_a_local_dask_cluster(harness, env, monkeypatch):
    """The same flow with slices rendered by two Dask worker processes."""
    from prefect_dask import DaskTaskRunner

    from dasv.flows import runners
    from dasv.flows.quarterly_report import quarterly_report

    monkeypatch.setenv("DASV_DASK_WORKERS", "2")
    runner = runners.configured_task_runner()
    assert isinstance(runner, DaskTaskRunner)
    result = quarterly_report.with_options(task_runner=runner)("2025-26 Q3")
    assert len(result["outputs"]) == 7
    for name, paths in result["outputs"].items():
        assert paths["pdf"].endswith(".pdf"), name
    assert (env / "out" / "2025-26-Q3" / "districts" / "fenland" / "dasv-2025-26-Q3-fenland.pdf").is_file()


def test_unreachable_warehouse_is_retried_then_fails_the_run_clearly(harness, env, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from dasv.flows.quarterly_report import quarterly_report
    from dasv.tasks.load import load_file
    from dasv.warehouse.db import WarehouseError

    monkeypatch.setenv("DASV_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/gone")
    monkeypatch.setattr(load_file, "retry_delay_seconds", [0, 0, 0])
    state = quarterly_report("2025-26 Q3", return_state=True)
    assert state.is_failed()
    with pytest.raises(WarehouseError, match="cannot open the warehouse"):
        state.result()
    # Task run states reach the server in the background: wait until the load's last state
    # (Failed) is recorded there, never read a run still shown as Retrying.
    deadline = time.time() + 30
    while True:
        with get_client(sync_client=True) as client:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
            )
        loads = [r for r in runs if r.name.startswith("load-file")]
        if (loads and loads[0].state and loads[0].state.is_final()) or time.time() > deadline:
            break
        time.sleep(0.2)  # polling for a condition, not waiting a fixed time
    assert loads and loads[0].state.is_failed(), loads
    assert loads[0].run_count == 4  # tried, then retried three times


def test_a_notice_that_cannot_be_sent_is_an_error_in_the_runs_logs(harness, env, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from dasv.flows.quarterly_report import quarterly_report

    monkeypatch.setenv("DASV_SMTP_PORT", "1")  # nothing listens there
    state = quarterly_report("2026-27 Q2", return_state=True)  # fails: nothing loaded
    assert state.is_failed()
    deadline = time.time() + 20
    while True:
        with get_client(sync_client=True) as client:
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id]))
            )
        errors = [e.message for e in logs if e.level >= 40 and "Could not e-mail the operators" in e.message]
        if errors or time.time() > deadline:
            break
        time.sleep(0.5)  # logs reach the server in batches
    assert errors and "127.0.0.1:1" in errors[0]


def test_every_output_shows_each_figure_as_the_same_number(harness, env):
    """Headline, tables and statements: PDF, HTML, CSV, xlsx, JSON, terminal and Prefect artifact agree.

    Each shown figure is checked against the report model's exact value: printed forms
    (PDF, HTML, terminal, artifact) must be its whole-number text, stored forms (CSV, xlsx,
    JSON) its one-decimal number, both rounded half up from the same unrounded value.
    """
    import csv as csv_module
    from html.parser import HTMLParser

    import openpyxl
    from pypdf import PdfReader

    from dasv.config import load_deployment
    from dasv.flows.quarterly_report import quarterly_report
    from dasv.quarters import Quarter
    from dasv.report.public import PublicEdition
    from dasv.report.slices import SliceBuilder
    from dasv.report_templates.csv_out import csv_value
    from dasv.report_templates.text import render_text, table_records

    quarterly_report("2025-26 Q3")
    out = env / "out" / "2025-26-Q3"
    engine = open_warehouse(f"sqlite:///{env / 'w.db'}")
    with engine.connect() as conn:  # the county report's public edition, as the flow drew and published it
        report = PublicEdition(
            conn, SliceBuilder(conn, load_deployment(), Quarter.parse("2025-26 Q3"))
        ).report()
    engine.dispose()

    # the Prefect artifact and the terminal print the headline exactly as the report does
    artifact = json.loads(Artifact.get("dasv-headline-2025-26-q3").data)
    assert artifact == table_records(report.headline)
    terminal = render_text(report.headline)
    for r, row in enumerate(report.headline.rows):
        cells = [report.headline.text(r, c) for c in range(1, len(row))]
        assert re.search(
            r"^" + re.escape(row[0]) + r" +" + r" +".join(map(re.escape, cells)) + "$", terminal, re.M
        )
    engagement = next(r for r in artifact if r["Measure"] == "Engagement % of criteria met")
    # 287/375 - 359/446 = -3.96 points: 80% and 77% would print 3 apart, so both print to one decimal
    assert (engagement["2025-26 Q2"], engagement["2025-26 Q3"], engagement["Change"]) == (
        "80.5%",
        "76.5%",
        "-4.0 points",
    )

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = {}, None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "table" and "id" in attrs:
                self.current = self.tables.setdefault(attrs["id"], [])
            elif tag == "tr" and hasattr(self, "current"):
                self.current.append([])
            elif tag in ("th", "td") and hasattr(self, "current") and self.current:
                self.cell = ""

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

        def handle_endtag(self, tag):
            if tag in ("th", "td") and self.cell is not None:
                self.current[-1].append(self.cell.strip())
                self.cell = None

    html = Tables()
    html.feed((out / "dasv-2025-26-Q3.html").read_text(encoding="utf-8"))
    pdf = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out / "dasv-2025-26-Q3.pdf").pages)
    workbook = openpyxl.load_workbook(out / "dasv-2025-26-Q3.xlsx")
    checked = 0
    for table in report.all_tables:
        printed = [
            [str(row[0])] + [table.text(r, c) for c in range(1, len(row))] for r, row in enumerate(table.rows)
        ]
        assert [r for r in html.tables[table.key] if len(r) == len(table.columns)][
            -len(printed) :
        ] == printed, table.key
        if table.key in ("headline", "idva_by_area"):
            for line in printed:
                assert " ".join(line) in pdf, (table.key, line)
        rows = list(
            csv_module.reader((out / "csv" / f"dasv-2025-26-Q3-{table.key}.csv").open(encoding="utf-8"))
        )
        assert rows[1:] == [
            [csv_value(c) for c in row] + [table.row_status(i)]  # the status column last
            for i, row in enumerate(table.data_rows())
        ], table.key
        sheet = next(ws for ws in workbook.worksheets if str(ws["A1"].value).startswith(table.title))
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        start = next(i for i, v in enumerate(values) if v[0] == table.columns[0].header) + 1
        for stored, row in zip(values[start:], table.data_rows(), strict=False):
            numbers = [(s, c) for s, c in zip(stored, row, strict=True) if isinstance(s, int | float)]
            assert all(float(s) == float(csv_value(c)) for s, c in numbers), (table.key, stored)
        checked += 1
    assert (
        checked == len(report.all_tables) == 13
    )  # 10 + the offence-group breakdown + the charts' monthly values + data coverage (SafeLives: restricted only)

    doc = json.loads((out / "dasv-2025-26-Q3-metrics.json").read_text())
    total = doc["idva"]["total"]
    headline = {row[0]: row for row in report.headline.rows}
    assert total["total_referrals"] == headline["IDVA referrals"][1]
    rate = headline["Engagement % of criteria met"][1]
    assert total["engagement_pct"] == rate.value(1) == 76.5 and report.headline.text(2, 1) == "76.5%"
    before = report.headline.text(2, 3)  # Q2 column, at the precision the change needs
    assert (
        f"Engagement % of criteria met fell 4.0 points, from {before} to 76.5%, within normal variation."
        in report.statements
    )
    assert "IDVA referrals fell 8%, from 516 to 476, within normal variation." in report.statements
    for statement in report.statements:
        assert statement in pdf.replace("• ", "") or statement.split(",")[0] in pdf


def test_exports_due_emails_a_late_police_file_by_month_then_sees_the_quarter_complete(harness, env, smtp):
    from dasv.flows.exports_due import exports_due_check

    _, received = smtp
    police = env / "inbox" / "police" / "Police DA counts Oct-Dec 2025.xlsx"
    held = env / "held-back.xlsx"
    police.rename(held)
    state = exports_due_check(quarter="2025-26 Q3", due_days=10, start_report=False, return_state=True)
    assert (
        state.is_completed() and "police: October–December 2025 missing (last file police/" in state.message
    )
    deadline = time.time() + 10
    while not received.messages and time.time() < deadline:
        time.sleep(0.2)
    [mail] = received.messages
    assert mail["Subject"] == "dasv exports overdue for 2025-26 Q3: police"
    assert (
        "- police: October–December 2025 missing (last file police/" in mail.get_payload(decode=True).decode()
    )
    assert "police" in Artifact.get("dasv-exports-due-2025-26-q3").data
    held.rename(police)  # the late export lands
    state = exports_due_check(quarter="2025-26 Q3", start_report=False, return_state=True)
    assert state.is_completed() and state.message.startswith("2025-26 Q3: every export is in")
    assert len(received.messages) == 1

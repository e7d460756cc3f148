"""Every option does what it says (issue 23, item 4), as a user runs `dasv`.

`dasv run --deliver` e-mails through the flow's own delivery function to a real SMTP server
(aiosmtpd); commentary is read under every accepted quarter form; revision notes, area labels
and year-ending statements print as the rest of the report does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

from dasv.config import load_deployment
from dasv.delivery import report_messages
from dasv.document_figures import figures
from dasv.errors import UserError
from dasv.measures.labels import figure_label
from dasv.quarters import Quarter
from dasv.report.build import read_commentary
from tests.servers import free_port

Q3 = Quarter.parse("2025-26 Q3")
NOTE = "Referrals fell after the summer campaign ended; the board asked for the engagement figures by area."


def run(*args, env):
    return subprocess.run([sys.executable, "-m", "dasv", *args], capture_output=True, text=True, env=env,
                          check=False)  # fmt: skip


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def delivered(tmp_path_factory, sample_template):
    """`dasv run --deliver` on the sample inbox, its commentary named in the spaced form."""
    tmp = tmp_path_factory.mktemp("options")
    shutil.copytree(sample_template.inbox, tmp / "inbox")
    commentary = tmp / "inbox" / "commentary"
    for old in commentary.glob("*.md"):
        old.unlink()
    (commentary / "2025-26 Q3.md").write_text(f"# Commentary\n\n{NOTE}\n", encoding="utf-8")
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp / 'w.db'}", "DASV_OUT": str(tmp / "out"),
           "DASV_INBOX": str(tmp / "inbox"), "DASV_PUBLISH_DIR": str(tmp / "publish"),
           "DASV_SMTP_HOST": "127.0.0.1", "DASV_SMTP_PORT": str(controller.port)}  # fmt: skip
    try:
        result = run("run", "--quarter", "2025-26 Q3", "--deliver", env=env)
    finally:
        controller.stop()
    out = tmp / "out" / "2025-26-Q3"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out / "dasv-2025-26-Q3.pdf").pages)
    return {"result": result, "received": handler.messages, "out": out, "env": env, "tmp": tmp, "text": text}


def test_run_deliver_sends_what_the_flow_sends(delivered):
    result, received = delivered["result"], delivered["received"]
    assert result.returncode == 0, result.stderr
    assert "E-mailed 7 message(s) for 2025-26 Q3" in result.stdout
    deployment = load_deployment()
    # the messages the flow's delivery builds from the same outputs (attach mode): the county PDF to the
    # partnership list, each slice's PDF to its CSP
    outputs = {"county": {"pdf": delivered["out"] / "dasv-2025-26-Q3.pdf"}}
    for folder in (delivered["out"] / "districts").iterdir():
        pdf = next(folder.glob("*.pdf"))
        name = next(a.name for a in deployment.districts if folder.name == a.name.lower().replace(" ", "-"))
        outputs[name] = {"pdf": pdf}
    expected = sorted((m.subject, ", ".join(m.to), m.attachment.name)
                      for m in report_messages(outputs, deployment.delivery, Q3.label))  # fmt: skip
    got = sorted((m["Subject"], m["To"], next(p.get_filename() for p in m.walk() if p.get_filename()))
                 for m in received)  # fmt: skip
    assert got == expected and len(got) == 7
    county = next(m for m in received if m["To"] == "dasv-board@cambridgeshire.example")
    pdf = next(p for p in county.walk() if p.get_filename())
    assert pdf.get_payload(decode=True) == (delivered["out"] / "dasv-2025-26-Q3.pdf").read_bytes()


def test_run_deliver_with_no_smtp_server_is_one_line_and_exit_1(delivered):
    env = {**delivered["env"], "DASV_SMTP_PORT": str(free_port())}  # nothing listens there
    result = run("run", "--quarter", "2025-26 Q3", "--deliver", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"dasv: cannot send through 127.0.0.1:{env['DASV_SMTP_PORT']}" in result.stderr


@pytest.mark.parametrize("name", ["2025-26 Q3.md", "2025-26-Q3.md", "2025-26Q3.md"])
def test_commentary_is_read_under_every_accepted_quarter_form(tmp_path, name):
    (tmp_path / name).write_text(f"# Commentary\n\n{NOTE}\n", encoding="utf-8")
    (tmp_path / "2025-26 Q2.md").write_text("Last quarter's words.\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("Not a quarter.\n", encoding="utf-8")
    assert read_commentary(tmp_path, Q3) == [NOTE]
    assert read_commentary(tmp_path, Q3.previous()) == ["Last quarter's words."]


def test_the_run_printed_the_commentary_named_in_the_spaced_form(delivered):
    assert NOTE in delivered["text"]


def test_two_commentary_files_for_one_quarter_are_refused_naming_both(tmp_path, delivered):
    (tmp_path / "2025-26 Q3.md").write_text("One.\n", encoding="utf-8")
    (tmp_path / "2025-26-Q3.md").write_text("Two.\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"2025-26 Q3\.md and .*2025-26-Q3\.md"):
        read_commentary(tmp_path, Q3)
    (tmp_path / "commentary").mkdir()
    for f in ("2025-26 Q3.md", "2025-26-Q3.md"):
        (tmp_path / f).rename(tmp_path / "commentary" / f)
    result = run("report", "--quarter", "2025-26 Q3", "--inbox", str(tmp_path), "--out", str(tmp_path / "out"),
                 env=delivered["env"])  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "two commentary files for 2025-26 Q3" in lines[0]
    assert "2025-26 Q3.md" in lines[0] and "2025-26-Q3.md" in lines[0]


def test_one_label_per_area_in_every_table_chart_and_statement(delivered):
    deployment = load_deployment()
    renamed = {a.name: a.display for a in deployment.districts if a.display != a.name}
    assert renamed  # Cambridge City is "Cambs City", Huntingdonshire "Hunts", ...
    text = delivered["text"]
    for name, shown in renamed.items():
        # the canonical name appears only as the title of a source document (the strategic assessment)
        assert all(text[m.end() :].startswith(" Strategic Assessment") for m in re.finditer(name, text)), name
        assert shown in text
    csv_dir = delivered["out"] / "csv"
    for table in ("idva_by_area", "police_by_district", "funnel_police_incidents", "year_ending_rates"):
        first = [line.split(",")[0].strip('"') for line in
                 (csv_dir / f"dasv-2025-26-Q3-{table}.csv").read_text(encoding="utf-8").splitlines()[1:]]  # fmt: skip
        assert not set(first) & set(renamed), (table, first)
        assert set(renamed.values()) <= set(first), (table, first)
    area = deployment.police_reporting_area
    assert (
        f"{area.shown} (" not in text
    )  # "Cambridgeshire (5 districts) (Cambridgeshire's five districts (...))"
    assert f"{area.shown} is {area.description}." in text  # said once, in a note


def test_year_ending_statements_are_rounded_like_every_other_change(delivered):
    text = delivered["text"]
    shown = re.escape(load_deployment().police_reporting_area.shown)  # "Cambridgeshire (5 districts)"
    statements = re.findall(rf"[^.•\x7f]*, {shown}: [^.]*\.", text)
    assert len(statements) >= 5
    for line in statements:
        assert not re.search(r"\d\.\d+(%| point)", line), line  # whole percents and points in the PDF
    assert re.search(
        rf"Total police recorded DA \(incident-only \+ crimes\), {shown}: \+1,300 \(\+13%\)", text
    )
    assert re.search(rf"Proportion of incidents crimed, {shown}: -1 points?, from 59% to 58%", text)
    # one decimal stays in the machine-readable outputs
    # (the county's public edition has no year-ending block: a slice's document carries its district's)
    doc = json.loads(next((delivered["out"] / "districts" / "fenland").glob("*-metrics.json")).read_text())
    crimed = doc["year_ending"]["police"]["by_area"]["Fenland"]["crimed_pct"]
    assert isinstance(crimed, float) and crimed == round(crimed, 1) and crimed != round(crimed)


def test_every_figure_a_revision_note_can_name_has_the_reports_label(delivered):
    out = delivered["out"]
    docs = [(json.loads((out / "dasv-2025-26-Q3-metrics.json").read_text()), "county")]
    docs.append(
        (json.loads(next((out / "districts" / "fenland").glob("*-metrics.json")).read_text()), "Fenland")
    )
    for doc, whole in docs:
        for key, _ in figures(doc, whole):
            printed = figure_label(key)
            assert "_" not in printed and not re.match(r"^(idva|marac|police|demographics)\.", printed), key
    assert figure_label("police.da_incidents") == "Police DA incidents"
    assert figure_label("idva.by_report_row.Housing.engaged") == "Engaged, Housing"
    assert figure_label("marac.rolling_12_months.disabled_pct") == (
        "MARAC rolling twelve months: Victim disabled, % of cases heard"
    )

"""What a quarter still waits for (dasv.exports_due), on a real warehouse loaded from the sample inbox."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from dasv.exports_due import due_date, exports_due, month_ranges
from dasv.pipeline import load_files
from dasv.quarters import Quarter
from dasv.warehouse.db import open_warehouse

Q3 = Quarter(2025, 3)
Q3_POLICE = "Police DA counts Oct-Dec 2025.xlsx"


@pytest.fixture(scope="module")
def sample(sample_template):
    return sample_template.inbox  # copied by each test before it is loaded


def load(tmp_path, inbox, deployment, pseudonymiser, leave_out=()):
    copy = tmp_path / "inbox"
    shutil.copytree(inbox, copy)
    for name in leave_out:
        (copy / "police" / name).unlink()
    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    load_files(engine, [copy], deployment, pseudonymiser)
    return engine


def test_month_ranges_read_as_a_person_writes_them():
    assert month_ranges([date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]) == "October–December 2025"
    assert month_ranges([date(2025, 10, 1), date(2025, 12, 1)]) == "October 2025, December 2025"
    assert month_ranges([date(2025, 12, 1), date(2026, 1, 1)]) == "December 2025–January 2026"
    assert month_ranges([date(2026, 3, 1)]) == "March 2026"


def test_a_missing_police_file_is_listed_by_month_with_the_last_file_and_overdue_after_the_due_date(
    tmp_path, sample, deployment, pseudonymiser
):
    engine = load(tmp_path, sample, deployment, pseudonymiser, leave_out=[Q3_POLICE])
    with engine.connect() as conn:
        before_due = exports_due(conn, Q3, date(2026, 1, 5), due_days=10)
        after_due = exports_due(conn, Q3, date(2026, 1, 11), due_days=10)
    assert due_date(Q3, 10) == date(2026, 1, 10)
    assert before_due.missing == {"idva": [], "marac": [], "police": Q3.months, "offences": []}
    assert not before_due.complete and not before_due.overdue
    assert after_due.overdue
    [line] = after_due.lines()
    # the last file is the one with the latest months (July–September), not the last one loaded (the Q1 CSV,
    # loaded after it in inbox order)
    assert line.startswith("police: October–December 2025 missing (last file police/Police DA counts Jul-Sep "
                           "2025.xlsx, up to 2025-09, loaded "), line  # fmt: skip
    assert "overdue" in after_due.summary() and "\n" not in after_due.summary()


def test_a_complete_quarter_is_complete_and_never_overdue(tmp_path, sample, deployment, pseudonymiser):
    engine = load(tmp_path, sample, deployment, pseudonymiser)
    with engine.connect() as conn:
        due = exports_due(conn, Q3, date(2026, 3, 1), due_days=10)
    assert due.complete and not due.overdue and due.lines() == []
    assert due.summary().startswith("2025-26 Q3: every export is in")


def test_an_optional_export_once_supplied_is_said_when_missing_but_never_waited_for(
    tmp_path, sample, deployment, pseudonymiser
):
    """The police offence-group export: its quarter's months gone, the quarter is still complete, and it says so."""
    from sqlalchemy import delete

    from dasv.warehouse.models import PoliceOffenceMonth

    engine = load(tmp_path, sample, deployment, pseudonymiser)
    with engine.begin() as conn:
        conn.execute(delete(PoliceOffenceMonth).where(PoliceOffenceMonth.month >= Q3.start))
    with engine.connect() as conn:
        due = exports_due(conn, Q3, date(2026, 1, 11), due_days=10)
    assert due.complete and not due.overdue  # the report is not held back for it
    [line] = due.lines()
    assert line.startswith("offences: October–December 2025 missing (last file ") and line.endswith(
        "; optional, not waited for)"
    ), line
    assert (
        due.summary().startswith("2025-26 Q3: every export the report waits for is in")
        and line in due.summary()
    )
    # with the police months gone too: overdue, and the operators' e-mail chases police alone
    from dasv.flows.exports_due import overdue_message
    from dasv.warehouse.models import PoliceMonth

    with engine.begin() as conn:
        conn.execute(delete(PoliceMonth).where(PoliceMonth.month >= Q3.start))
    with engine.connect() as conn:
        due = exports_due(conn, Q3, date(2026, 1, 11), due_days=10)
    assert due.overdue and [x.split(":")[0] for x in due.lines()] == ["police", "offences"]
    message = overdue_message(due)
    assert message.subject == "dasv exports overdue for 2025-26 Q3: police", message.subject
    chased, optional = message.body.split("Also missing, optional (the report does not wait for it):")
    assert "- police: " in chased and "offences" not in chased and "- offences: " in optional


def test_an_empty_warehouse_misses_everything_and_says_no_file_ever_arrived(tmp_path):
    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        due = exports_due(conn, Q3, date(2026, 2, 1), due_days=10)
    assert [line.split(":")[0] for line in due.lines()] == ["idva", "marac", "police"]
    assert all(
        "October–December 2025 missing (no file from it has ever been loaded)" in line for line in due.lines()
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_readme_walkthrough_s_late_export_scenario(tmp_path):
    """``make exports-due-example`` (docs/operations.md, "Exports due"): a fresh warehouse without the police
    months of 2025-26 Q3, whose export is held back; with it put back, the quarter is complete."""
    import subprocess

    from dasv.config import load_deployment
    from dasv.privacy import Pseudonymiser
    from dasv.settings import DEMO_PSEUDONYM_KEY
    from tests.servers import ROOT

    late = tmp_path / "late"
    env = {"PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run(["make", "-W", ".venv/.installed", "exports-due-example", f"LATE_DIR={late}"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    held = sorted(p.name for p in (late / "held-back").iterdir())
    assert held == [Q3_POLICE]
    engine = open_warehouse(f"sqlite:///{late / 'warehouse.db'}")
    with engine.connect() as conn:
        due = exports_due(conn, Q3, date(2026, 12, 7), due_days=10)
    assert due.overdue and due.lines() == [
        f"police: October–December 2025 missing (last file police/Police DA counts Jul-Sep 2025.xlsx, up to "
        f"2025-09, loaded {due.last_files['police'].loaded_at:%Y-%m-%d})"
    ]
    shutil.copy(late / "held-back" / Q3_POLICE, late / "inbox" / "police")  # "Then the export arrives"
    load_files(engine, [late / "inbox"], load_deployment(), Pseudonymiser(DEMO_PSEUDONYM_KEY))
    with engine.connect() as conn:
        assert exports_due(conn, Q3, date(2026, 12, 7), due_days=10).complete
    engine.dispose()

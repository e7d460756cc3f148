"""Faults: loads killed with SIGKILL at random points, the database going away, outputs that
cannot be written, and concurrent reruns. `make stress` runs the larger numbers (DASV_STRESS)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from dasv.warehouse.db import open_warehouse
from dasv.warehouse.models import IdvaReferral, IdvaReferralSpecialism, LoadBatch, LoadCoverage
from dasv.warehouse.monthly import monthly_drift
from dasv.warehouse.repeats import repeat_drift
from tests.conftest import POSTGRES_URL, reset_postgres
from tests.files import IDVA_HEADER, write_csv

SCALE = int(os.environ.get("DASV_STRESS", "1"))
KILL_TRIALS = 6 if SCALE == 1 else 50
ROWS = 20_000


def dasv(*args, env, **kw):
    return subprocess.Popen([sys.executable, "-m", "dasv", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kw)  # fmt: skip


def big_export(path: Path, rows: int, start: int = 0, day: str = "03/10/2025") -> Path:
    return write_csv(path, [IDVA_HEADER + ["Specialism"]] + [
        [f"R{i}", f"C{i % 7000}", day, ("Fenland", "Hunts", "Pboro")[i % 3], "Y", "Y" if i % 4 else "N",
         "Housing; Stalking" if i % 10 == 0 else ""] for i in range(start, start + rows)
    ])  # fmt: skip


def consistent(url: str) -> dict:
    """The warehouse invariants a killed load must never break; returns facts per quarter."""
    engine = open_warehouse(url)
    with engine.connect() as conn:
        per_quarter = dict(
            conn.execute(
                select(IdvaReferral.quarter_id, func.count()).group_by(IdvaReferral.quarter_id)
            ).all()
        )
        live = conn.execute(
            select(LoadCoverage.period, LoadCoverage.batch_id, LoadCoverage.rows).where(
                LoadCoverage.superseded_by.is_(None)
            )
        ).all()
        periods = [p for p, _, _ in live]
        assert len(periods) == len(set(periods)), "one live load per quarter"
        for _period, batch_id, rows in live:
            facts = conn.scalar(
                select(func.count()).select_from(IdvaReferral).where(IdvaReferral.batch_id == batch_id)
            )
            assert facts == rows == conn.scalar(select(LoadBatch.rows_loaded).where(LoadBatch.id == batch_id))
        orphans = conn.scalar(
            select(func.count()).select_from(IdvaReferralSpecialism)
            .where(IdvaReferralSpecialism.referral_id.not_in(select(IdvaReferral.id)))
        )  # fmt: skip
        assert orphans == 0
        # what a load derives from the facts is written in the same transaction (warehouse/repeats.py, monthly.py)
        assert repeat_drift(conn, IdvaReferral) == 0 and monthly_drift(conn) == {}
    engine.dispose()
    return per_quarter


@pytest.fixture(params=["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'w.db'}"
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


class HeldSqliteRead:
    """A read transaction on a SQLite warehouse: a writer may start and write, but cannot commit.

    In rollback-journal mode the load takes RESERVED and writes into its page cache (the
    ``-journal`` file appears at its first change); to spill or commit it needs EXCLUSIVE,
    which waits for this SHARED lock. So while this is held, a load that has begun writing is
    provably mid-transaction.
    """

    def __init__(self, path: Path):
        import sqlite3

        self.journal = path.with_name(path.name + "-journal")
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT count(*) FROM load_batch").fetchall()

    def release(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()


class HeldPostgresLock:
    """A SHARE lock on one table, held in its own transaction: a load reaching that table waits."""

    def __init__(self, url: str, table: str):
        self.engine = open_warehouse(url)
        self.conn = self.engine.connect()
        self.conn.execute(text(f"LOCK TABLE {table} IN SHARE MODE"))  # our own table names only

    def waiting_load(self) -> tuple[int, str] | None:
        """(pid, query) of a backend of this database blocked on a lock, if any."""
        self.conn.execute(text("SELECT pg_stat_clear_snapshot()"))  # a fresh view inside our transaction
        row = self.conn.execute(
            text("SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                 "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
        ).first()  # fmt: skip
        return (row.pid, row.query) if row else None

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.engine.dispose()


def wait_until(condition, what: str, process: subprocess.Popen, timeout: float = 60):
    """Poll ``condition`` until it returns something true; fail if the process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the load ended before {what}: {process.returncode} {out!r} {err!r}")
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")


# Tables a reload touches, in the order it reaches them: a lock on one stops the load there,
# after its batch row and earlier changes are written (PostgreSQL trials pick one at random).
POSTGRES_STOPS = ("idva_referral_specialism", "idva_referral", "load_coverage")


def test_sigkill_mid_transaction_never_half_loads(url, tmp_path):
    """Every trial kills a load known to be inside its transaction, at a random moment there."""
    env = {**os.environ, "DASV_DATABASE_URL": url}
    base = big_export(tmp_path / "idva" / "q2.csv", 500, start=900_000, day="03/07/2025")
    big = big_export(tmp_path / "idva" / "q3.csv", ROWS)
    assert dasv("load", str(base), env=env).wait() == 0
    first = dasv("load", str(big), env=env)
    assert first.wait() == 0, first.stderr.read()
    expected = {20252: 500, 20253: ROWS}
    assert consistent(url) == expected
    rng = random.Random(2526)
    stops: list[str] = []
    for _ in range(KILL_TRIALS):
        if url.startswith("sqlite"):
            held = HeldSqliteRead(Path(url.removeprefix("sqlite:///")))
            stop, reached = "sqlite journal", held.journal.exists
        else:
            stop = rng.choice(POSTGRES_STOPS)
            held = HeldPostgresLock(url, stop)
            reached = held.waiting_load
        process = dasv("load", str(big), "--reload", env=env)
        try:
            wait_until(reached, f"the load reached {stop}", process)
            stops.append(stop)
            time.sleep(rng.uniform(0, 0.3))  # a random moment inside the open transaction
            assert process.poll() is None, "the load cannot have committed while the lock is held"
        finally:
            process.kill()
            process.wait()
            held.release()
        assert consistent(url) == expected  # the earlier load intact, nothing of the killed one
    finish = dasv("load", str(big), "--reload", env=env)
    assert finish.wait() == 0
    assert consistent(url) == expected
    print(f"{url.split(':')[0]}: {KILL_TRIALS} loads killed mid-transaction; stops {Counter(stops)}")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DASV_TEST_POSTGRES_URL (set by .ci/run)")
def test_ten_concurrent_reruns_on_postgresql_load_exactly_once(tmp_path):
    reset_postgres(POSTGRES_URL)
    env = {**os.environ, "DASV_DATABASE_URL": POSTGRES_URL}
    big = big_export(tmp_path / "idva" / "q3.csv", 3000)
    assert dasv("load", str(big), env=env).wait() == 0
    runs = [dasv("load", str(big), "--reload", env=env) for _ in range(10)]
    assert [p.wait() for p in runs] == [0] * 10
    assert consistent(POSTGRES_URL) == {20253: 3000}
    engine = open_warehouse(POSTGRES_URL)
    with engine.connect() as conn:
        batches = conn.scalar(select(func.count()).select_from(LoadBatch))
        live = conn.scalar(
            select(func.count()).select_from(LoadBatch).where(LoadBatch.superseded_by.is_(None))
        )
    engine.dispose()
    assert (batches, live) == (11, 1)  # every rerun recorded, one in use


@pytest.mark.skipif(not POSTGRES_URL, reason="needs DASV_TEST_POSTGRES_URL (set by .ci/run)")
def test_database_going_away_mid_load_leaves_nothing_half_written(tmp_path):
    """The load's connection is cut after its referrals are written, before it commits.

    The base load is in another quarter, so the new file replaces nothing: the load runs
    batch row, coverage, COPY of 20,000 referrals, then the COPY of their specialisms, where
    our lock stops it. The cut is made only once the server shows that COPY waiting.
    """
    reset_postgres(POSTGRES_URL)
    env = {**os.environ, "DASV_DATABASE_URL": POSTGRES_URL}
    base = big_export(tmp_path / "idva" / "q2.csv", 2000, day="03/07/2025")
    assert dasv("load", str(base), env=env).wait() == 0
    big = big_export(tmp_path / "idva" / "q3.csv", ROWS, start=50_000)
    held = HeldPostgresLock(POSTGRES_URL, "idva_referral_specialism")
    process = dasv("load", str(big), env=env)
    try:
        pid, query = wait_until(held.waiting_load, "the load reached its last COPY", process)
        assert query.startswith("COPY idva_referral_specialism"), query  # the referrals are written
        held.conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        held.release()
    out, err = process.communicate(timeout=120)
    stderr = err.decode()
    assert process.returncode == 1, (out, stderr)
    assert "Traceback" not in stderr and stderr.startswith("dasv: ")
    assert "q3.csv" in stderr and "nothing from it was loaded" in stderr, stderr
    assert consistent(POSTGRES_URL) == {20252: 2000}


def test_unwritable_output_folder_fails_the_render_clearly(tmp_path):
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    assert dasv("load", str(big_export(tmp_path / "idva" / "q3.csv", 50)), env=env).wait() == 0
    before = consistent(env["DASV_DATABASE_URL"])
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    process = dasv("report", "--quarter", "2025-26 Q3", "--out", str(blocker / "out"), env=env)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.decode().startswith(f"dasv: cannot write to {blocker / 'out'}")
    assert consistent(env["DASV_DATABASE_URL"]) == before


def test_full_disk_fails_the_render_clearly_and_leaves_no_partial_files(tmp_path):
    """A file-size limit stands in for a full disk: writes fail with EFBIG instead of ENOSPC."""
    import resource

    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}"}
    assert dasv("load", str(big_export(tmp_path / "idva" / "q3.csv", 50)), env=env).wait() == 0
    before = consistent(env["DASV_DATABASE_URL"])

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    out = tmp_path / "out"
    process = dasv("report", "--quarter", "2025-26 Q3", "--out", str(out), env=env, preexec_fn=small_disk)
    _, err = process.communicate(timeout=120)
    stderr = err.decode()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr and "cannot write the report" in stderr
    assert not list(out.rglob("*.pdf")), "no half-written report is left beside good ones"
    assert consistent(env["DASV_DATABASE_URL"]) == before

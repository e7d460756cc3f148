"""Faults: loads killed with SIGKILL at random points, the database going away, outputs that
cannot be written, and concurrent reruns. `make stress` runs the larger numbers (DASV_STRESS)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import POSTGRES_URL, reset_postgres
from tests.files import IDVA_HEADER, write_csv
from warehouse.db import open_warehouse
from warehouse.models import IdvaReferral, IdvaReferralSpecialism, LoadBatch, LoadCoverage

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
    engine.dispose()
    return per_quarter


@pytest.fixture(params=["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'w.db'}"
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


def test_sigkill_at_random_points_never_half_loads(url, tmp_path):
    env = {**os.environ, "DASV_DATABASE_URL": url}
    base = big_export(tmp_path / "idva" / "q2.csv", 500, start=900_000, day="03/07/2025")
    big = big_export(tmp_path / "idva" / "q3.csv", ROWS)
    assert dasv("load", str(base), env=env).wait() == 0
    started = time.perf_counter()
    first = dasv("load", str(big), env=env)
    assert first.wait() == 0, first.stderr.read()
    duration = time.perf_counter() - started
    expected = {20252: 500, 20253: ROWS}
    assert consistent(url) == expected
    rng = random.Random(2526)
    kills = 0
    for _ in range(KILL_TRIALS):
        process = dasv("load", str(big), "--reload", env=env)
        time.sleep(rng.uniform(0.1, duration * 1.05))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        assert consistent(url) == expected  # the file fully loaded, or the earlier load intact
    finish = dasv("load", str(big), "--reload", env=env)
    assert finish.wait() == 0
    assert consistent(url) == expected
    assert kills >= KILL_TRIALS // 2, f"only {kills} of {KILL_TRIALS} trials were killed mid-run"
    print(f"{url.split(':')[0]}: {KILL_TRIALS} trials, {kills} killed mid-run, load takes {duration:.1f}s")


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
    """Every connection of the load is cut while it runs: a clear error, and the warehouse as before."""
    reset_postgres(POSTGRES_URL)
    env = {**os.environ, "DASV_DATABASE_URL": POSTGRES_URL}
    base = big_export(tmp_path / "idva" / "q3.csv", 2000)
    assert dasv("load", str(base), env=env).wait() == 0
    big = big_export(tmp_path / "idva" / "q3b.csv", ROWS, start=50_000)
    admin = open_warehouse(POSTGRES_URL)
    database = admin.url.database
    stop = threading.Event()

    def cut_connections():
        while not stop.is_set():
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :db AND pid <> pg_backend_pid() AND state <> 'idle'"), {"db": database})  # fmt: skip
                conn.commit()
            time.sleep(0.05)

    cutter = threading.Thread(target=cut_connections)
    process = dasv("load", str(big), env=env)
    time.sleep(1.2)  # let it start reading the file
    cutter.start()
    out, err = process.communicate(timeout=120)
    stop.set()
    cutter.join()
    admin.dispose()
    stderr = err.decode()
    assert process.returncode == 1, (out, stderr)
    assert "Traceback" not in stderr and stderr.startswith("dasv: ")
    assert consistent(POSTGRES_URL) == {20253: 2000}


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

"""What every benchmark step shares: the sizes (from the environment), the results, timing and running
commands, the generated national inboxes and a fresh PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DISTRICTS = int(os.environ.get("BENCH_DISTRICTS", 300))
REFERRALS = int(os.environ.get("BENCH_REFERRALS", 250_000))
QUARTERS = int(os.environ.get("BENCH_QUARTERS", 4))
SLICES = int(os.environ.get("BENCH_SLICES", DISTRICTS))
RELOAD_REFERRALS = int(os.environ.get("BENCH_RELOAD_REFERRALS", 40_000))
POSTGRES = os.environ.get("DASV_BENCH_POSTGRES_URL")
DATA = ROOT / "bench" / "data"
ONLY = {n for n in os.environ.get("BENCH_ONLY", "").split(",") if n}
RESULTS: dict = {}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - started, value


def run_measured(args: list[str], env: dict) -> tuple[float, float, str]:
    """Run a command; return (seconds, peak RSS MB, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out, err = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out}\n{err}")
    return seconds, usage.ru_maxrss / 1024, out


def inbox(name: str, districts: int, referrals: int, quarters: int) -> Path:
    from dasv.sample.national import write_national_inbox

    folder = DATA / f"{name}-{districts}x{referrals}x{quarters}"
    if not (folder / "done").exists():
        shutil.rmtree(folder, ignore_errors=True)
        log(f"generating {folder.name} ...")
        seconds, _ = timed(write_national_inbox, folder, districts=districts, referrals_per_quarter=referrals,
                           quarters=quarters, progress=log)  # fmt: skip
        (folder / "done").write_text(f"{seconds:.1f}\n")
    return folder


def env_for(url: str, config: Path) -> dict:
    return {
        **os.environ,
        "DASV_DATABASE_URL": url,
        "DASV_CONFIG": str(config),
        "DASV_PSEUDONYM_KEY": "bench-key",
    }


def fresh_postgres() -> str | None:
    if not POSTGRES:
        return None
    from sqlalchemy import text

    from dasv.warehouse.db import make_engine

    engine = make_engine(POSTGRES)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]

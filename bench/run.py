"""`make bench`: national-scale benchmarks, each measured beside its baseline in the same run.

Writes bench/results.json and prints a summary. Sizes come from the environment so a
smaller run is possible (defaults are the issue's: 300 districts, 250,000 referrals a
quarter, 4 quarters): BENCH_DISTRICTS, BENCH_REFERRALS, BENCH_QUARTERS, BENCH_SLICES,
BENCH_RELOAD_REFERRALS; BENCH_ONLY (comma-separated step names) runs some steps only. PostgreSQL is measured when DASV_BENCH_POSTGRES_URL is set
(`make bench` creates a database on 127.0.0.1:5432).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import bench_ingest, bench_reload  # noqa: E402 - once the project is on the path
from bench.measures import bench_measures  # noqa: E402
from bench.orchestration import bench_national_flow, bench_orchestration  # noqa: E402
from bench.portal_load import bench_portal  # noqa: E402
from bench.render import bench_pdf, bench_render  # noqa: E402
from bench.shared import DATA, DISTRICTS, ONLY, QUARTERS, REFERRALS, RESULTS, inbox, log, timed  # noqa: E402


def machine_yardstick(folder: Path) -> float:
    """Seconds for a bare python-calamine read of the first IDVA file: how fast the (shared) machine is now.

    The same read took 3.3 s one evening and 6.1 s one afternoon on this project's machine;
    each step records it so that figures from different runs can be compared. The best of three
    reads: the first also reads the file from disk.
    """
    from python_calamine import CalamineWorkbook

    path = sorted((folder / "idva").glob("*.xlsx"))[0]
    reads = [timed(lambda: CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())[0]
             for _ in range(3)]  # fmt: skip
    return round(min(reads), 2)


def _commit() -> str:
    """The checked-out commit (with ``+changes`` when the tree differs from it), or ``unknown``."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!bench/results.json"],  # a partial run's own figures are not a change
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    RESULTS["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                          "when": datetime.now(UTC).isoformat(timespec="seconds"), "commit": _commit()}  # fmt: skip
    RESULTS["sizes"] = {"districts": DISTRICTS, "referrals_per_quarter": REFERRALS, "quarters": QUARTERS}
    folder = inbox("national", DISTRICTS, REFERRALS, QUARTERS)
    yardstick = machine_yardstick(folder)
    log(f"machine yardstick: python-calamine reads one 250,000-row IDVA file in {yardstick} s")
    for name, step in (("ingest", lambda: bench_ingest(folder)), ("measures", lambda: bench_measures(folder)),
                       ("reload", bench_reload), ("render", lambda: bench_render(folder)),
                       ("orchestration", bench_orchestration), ("portal", bench_portal),
                       ("pdf", bench_pdf), ("national_flow", lambda: bench_national_flow(folder)),
                       ("national_flow_threads", lambda: bench_national_flow(folder, dask=False))):  # fmt: skip
        if ONLY and name not in ONLY:
            continue
        try:
            step()
        except Exception as exc:  # record and go on: one failed measure must not hide the others
            RESULTS[name] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"{name} failed: {exc}")
        if isinstance(RESULTS.get(name), dict):  # how fast the machine was when this step ran
            RESULTS[name]["machine_calamine_read_seconds"] = yardstick
        log(f"{name}: {json.dumps(RESULTS.get(name))}")
    path = ROOT / "bench" / "results.json"
    if ONLY and path.exists():  # some steps only: keep the other steps' figures and the full run's machine
        run = {"steps": sorted(ONLY), **{k: RESULTS["machine"][k] for k in ("when", "commit")}}
        previous = json.loads(path.read_text())
        RESULTS.update({k: v for k, v in previous.items() if k not in RESULTS or k == "machine"})
        RESULTS.setdefault("partial_runs", []).append(run)
    else:
        RESULTS["total_seconds"] = round(time.perf_counter() - started)
    path.write_text(json.dumps(RESULTS, indent=2) + "\n")
    log(f"results written to {path}")


if __name__ == "__main__":
    main()

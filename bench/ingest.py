"""The ingest steps: `dasv load` of one national file against the column-wise floor, and a reload beside its history."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.shared import (
    DATA,
    POSTGRES,
    RELOAD_REFERRALS,
    RESULTS,
    ROOT,
    env_for,
    fresh_postgres,
    inbox,
    log,
    median,
    run_measured,
    timed,
)


def bench_ingest(folder: Path) -> None:
    """`dasv load` of one 250,000-row xlsx against the column-wise floor (bench/floor.py), medians of 3.

    Both are whole processes from an empty warehouse (migrations included), on SQLite and on
    PostgreSQL; the rows they write are compared (same count, same SHA-256 of every stored row).
    """
    import fastexcel
    from python_calamine import CalamineWorkbook

    sys.path.insert(0, str(ROOT / "bench"))
    from floor import rows_digest

    xlsx = sorted((folder / "idva").glob("*.xlsx"))[-1]
    config = folder / "dasv-national.yaml"
    log(f"ingest: {xlsx.name}, dasv load against the column-wise floor, medians of 3")

    def calamine_rows() -> int:
        return (
            sum(1 for _ in CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("Referrals").iter_rows())
            - 1
        )

    reads = [timed(calamine_rows) for _ in range(3)]
    rows = reads[0][1]
    fastexcel_read = median(
        [timed(lambda: fastexcel.read_excel(xlsx).load_sheet(0).to_polars())[0] for _ in range(3)]
    )
    figures: dict = {
        "rows": rows,
        "python_calamine_read_seconds": round(median([s for s, _ in reads]), 2),
        "fastexcel_arrow_read_seconds": round(fastexcel_read, 2),
    }
    backends = {"sqlite": None, "postgresql": POSTGRES}
    for backend, pg in backends.items():
        if backend == "postgresql" and not pg:
            continue
        runs: dict[str, list[float]] = {"dasv": [], "floor": []}
        peaks: list[float] = []
        digests = {}
        for _ in range(3):
            for who in ("dasv", "floor"):
                if pg:
                    url = fresh_postgres()
                else:
                    db = DATA / f"ingest-{who}.db"
                    db.unlink(missing_ok=True)
                    url = f"sqlite:///{db}"
                env = env_for(url, config)
                if who == "dasv":
                    seconds, peak, _ = run_measured([sys.executable, "-m", "dasv", "load", str(xlsx)], env)
                    peaks.append(peak)
                else:
                    seconds, _, _ = run_measured([sys.executable, str(ROOT / "bench" / "floor.py"), str(xlsx), url,
                                                  str(config)], env)  # fmt: skip
                runs[who].append(seconds)
                digests[who] = rows_digest(url)
        dasv, floor = median(runs["dasv"]), median(runs["floor"])
        figures[backend] = {
            "dasv_load_seconds": round(dasv, 2), "dasv_load_rows_per_second": round(rows / dasv),
            "floor_seconds": round(floor, 2), "floor_rows_per_second": round(rows / floor),
            "ratio_to_floor": round(floor / dasv, 2), "target_ratio_to_floor": 0.9,
            "runs": {k: [round(v, 2) for v in vs] for k, vs in runs.items()},
            "rows_match_floor": digests["dasv"] == digests["floor"], "peak_rss_mb": round(max(peaks)),
        }  # fmt: skip
        log(f"ingest {backend}: {figures[backend]}")
    figures["target_postgresql_rows_per_second"] = 35_000
    figures["target_peak_rss_mb"] = 1024
    figures["note"] = ("whole commands from an empty warehouse (start-up, migrations, read, validate, pseudonymise, "
                       "one-transaction write); the floor is bench/floor.py: fastexcel to Arrow, Polars checks, the "
                       "same keys and rows into the same schema")  # fmt: skip
    RESULTS["ingest"] = figures


def bench_reload() -> None:
    log(f"reload: {RELOAD_REFERRALS:,} referrals a quarter, history of 1, 4 and 8 quarters")
    folder = inbox("reload", 30, RELOAD_REFERRALS, 8)
    files = sorted((folder / "idva").glob("*.xlsx"))
    out = {}
    for history in (1, 4, 8):
        db = DATA / f"reload-{history}.db"
        db.unlink(missing_ok=True)
        env = env_for(f"sqlite:///{db}", folder / "dasv-national.yaml")
        for f in files[-history:]:
            run_measured([sys.executable, "-m", "dasv", "load", str(f)], env)
        seconds, _, _ = run_measured([sys.executable, "-m", "dasv", "load", str(files[-1]), "--reload"], env)
        out[f"{history}_quarters"] = round(seconds, 2)
    out["note"] = (
        "time to replace the latest quarter; proportional to that quarter's rows, not to the history"
    )
    RESULTS["reload"] = out

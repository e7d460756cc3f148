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
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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

    from warehouse.db import make_engine

    engine = make_engine(POSTGRES)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


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


def load_all(url: str, folder: Path) -> float:
    seconds, _, _ = run_measured(
        [sys.executable, "-m", "dasv", "load", str(folder)], env_for(url, folder / "dasv-national.yaml")
    )
    return seconds


def bench_measures(folder: Path) -> None:
    import duckdb

    from dasv.config import load_deployment
    from dasv.measures.context import variation
    from dasv.measures.document import metrics_document
    from dasv.measures.idva import counts_by_quarter_area
    from dasv.measures.series import COUNTY, monthly_series
    from dasv.quarters import Quarter
    from dasv.report.data import gather_by_area
    from warehouse.db import open_warehouse

    deployment = load_deployment(folder / "dasv-national.yaml")
    quarter = Quarter(2025, 3)
    areas = [COUNTY, *(a.name for a in deployment.districts)]
    targets = {"sqlite": f"sqlite:///{DATA / 'measures.db'}"}
    (DATA / "measures.db").unlink(missing_ok=True)
    if (pg := fresh_postgres()) is not None:
        targets["postgresql"] = pg
    out = {}
    for name, url in targets.items():
        log(f"measures: loading {QUARTERS} quarters into {name}")
        load_seconds = load_all(url, folder)
        engine = open_warehouse(url)
        with engine.connect() as conn:
            county, doc = timed(metrics_document, conn, deployment, quarter)
            districts, _ = timed(gather_by_area, conn, deployment, [quarter])
            same_query, _ = timed(counts_by_quarter_area, conn, [quarter.fy_start * 10 + quarter.number])
            plain, _ = timed(metrics_document, conn, deployment, quarter, context=False)
            series_seconds, series = timed(monthly_series, conn, deployment, quarter)
            spc_seconds, charts = timed(lambda s: [variation(s, deployment, a) for a in areas], series)
        engine.dispose()
        out[name] = {"load_all_seconds": round(load_seconds, 1), "county_document_seconds": round(county, 2),
                     "all_districts_seconds": round(districts, 2), "all_measures_seconds": round(county + districts, 2),
                     "idva_by_area_seconds": round(same_query, 3),
                     "county_document_without_statistics_seconds": round(plain, 2),
                     "monthly_series_seconds": round(series_seconds, 2),
                     "spc_county_and_every_district_seconds": round(spc_seconds, 3),
                     "spc_charts": sum(len(c) for c in charts),
                     "series_and_spc_seconds": round(series_seconds + spc_seconds, 2)}  # fmt: skip
    log("measures: DuckDB baseline over the same IDVA rows")
    import sqlite3

    import pandas as pd

    with sqlite3.connect(DATA / "measures.db") as source:
        frame = pd.read_sql_query(  # noqa: F841 - DuckDB reads the local DataFrame by name
            "SELECT area_id, quarter_id, person_key, referral_day, criteria_met, engaged, repeat_flag FROM idva_referral",
            source,
        )
    con = duckdb.connect()
    con.execute("CREATE TABLE r AS SELECT * FROM frame")
    qid = quarter.fy_start * 10 + quarter.number
    query = f"""
        SELECT area_id, count(*), sum(criteria_met::INT), sum(engaged::INT),
               sum(CASE WHEN repeat_flag IS NOT NULL THEN repeat_flag::INT
                        WHEN EXISTS (SELECT 1 FROM r p WHERE p.person_key = r.person_key
                                     AND p.referral_day < r.referral_day AND p.referral_day >= r.referral_day - 365)
                        THEN 1 ELSE 0 END)
        FROM r WHERE quarter_id = {qid} GROUP BY area_id"""
    duck, _ = timed(lambda: con.execute(query).fetchall())
    out["duckdb_idva_group_by_seconds"] = round(duck, 3)
    for name in targets:
        out[name]["ratio_to_duckdb_same_group_by"] = round(out[name]["idva_by_area_seconds"] / duck, 2)
        out[name]["ratio_to_duckdb_all_measures"] = round(out[name]["all_measures_seconds"] / duck, 1)
    out["target_ratio_to_duckdb"] = 2.0
    out["target_series_and_spc_seconds"] = 2.0
    out["note"] = ("like for like: the IDVA group-by by area with repeats (ours through SQLAlchemy on the warehouse, "
                   "DuckDB in memory, columnar); all_measures is every measure of the quarter, county and every district")  # fmt: skip
    RESULTS["measures"] = out


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


def _render_one(args):
    from pathlib import Path as P

    from report_templates.render import render_outputs

    builder, name, out = args
    render_outputs(builder.report(name), P(out) / name.replace(" ", "-").lower())
    return name


def bench_render(folder: Path) -> None:
    from dask.distributed import Client, LocalCluster

    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.slices import SliceBuilder
    from warehouse.db import open_warehouse

    deployment = load_deployment(folder / "dasv-national.yaml")
    engine = open_warehouse(f"sqlite:///{DATA / 'measures.db'}")
    with engine.connect() as conn:
        plan_seconds, builder = timed(SliceBuilder, conn, deployment, Quarter(2025, 3))
    names = [a.name for a in deployment.districts][:SLICES]
    log(f"render: {len(names)} slices, one process")
    out = DATA / "slices"
    shutil.rmtree(out, ignore_errors=True)
    single, _ = timed(lambda: [_render_one((builder, n, out / "single")) for n in names])
    log(f"render: {len(names)} slices, Dask local cluster of 2 worker processes")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        remote = client.scatter(builder, broadcast=True)
        parallel, _ = timed(
            lambda: client.gather(client.map(lambda n, b: _render_one((b, n, out / "dask")), names, b=remote))
        )
    RESULTS["render"] = {"slices": len(names), "plan_seconds": round(plan_seconds, 2), "one_process_seconds": round(single, 1),
                         "dask_2_workers_seconds": round(parallel, 1), "speedup": round(single / parallel, 2),
                         "target_speedup": 1.6, "per_slice": "PDF, HTML, xlsx, CSVs, JSON"}  # fmt: skip


def bench_pdf() -> None:
    """Each PDF, and each report's outputs, drawn in a forked child: bench/pdf_render.py (its figures under ``pdf``)."""
    if not (ROOT / "var" / "demo" / "warehouse.db").exists():
        subprocess.run([sys.executable, "-m", "dasv", "demo"], cwd=ROOT, check=True, capture_output=True)
    from bench import pdf_render

    RESULTS["pdf"] = pdf_render.measure_all()


def bench_orchestration() -> None:
    """A county-scale quarter through Prefect (running server) against the plain functions."""
    from tests.servers import PREFECT, free_port, start, stop, wait_healthy

    log("orchestration: county sample through Prefect against the plain functions")
    work = DATA / "orchestration"
    shutil.rmtree(work, ignore_errors=True)
    from dasv.sample.write import write_sample_inbox

    write_sample_inbox(work / "inbox")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(work / "home"), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DASV_PSEUDONYM_KEY="bench-key", DASV_INBOX=str(work / "inbox"))  # fmt: skip
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "mode = sys.argv[1]\n"
        "t = time.perf_counter()\n"
        "if mode == 'prefect':\n"
        "    from flows.quarterly_report import quarterly_report\n"
        "    quarterly_report('2025-26 Q3')\n"
        "else:\n"
        "    from dasv.config import load_deployment\n"
        "    from dasv.pipeline import load_files, render_quarter\n"
        "    from dasv.privacy import Pseudonymiser\n"
        "    from dasv.quarters import Quarter\n"
        "    from warehouse.db import open_warehouse\n"
        "    from dasv.settings import Settings\n"
        "    s = Settings(); d = load_deployment(); e = open_warehouse(s.resolved_database_url())\n"
        "    load_files(e, [s.inbox], d, Pseudonymiser('bench-key'))\n"
        "    render_quarter(e, d, Quarter.parse('2025-26 Q3'), s.out, commentary_dir=s.inbox / 'commentary')\n"
        "print(f'{time.perf_counter() - t:.3f}')\n"
    )
    server = start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, work / "server.log"
    )
    try:
        wait_healthy(api)
        times = {}
        for mode in ("plain", "prefect"):
            run_env = {
                **env,
                "DASV_DATABASE_URL": f"sqlite:///{work / (mode + '.db')}",
                "DASV_OUT": str(work / mode),
                "DASV_PUBLISH_DIR": str(work / mode / "publish"),  # never the project's own var/publish
            }
            seconds, _, stdout = run_measured([sys.executable, "-c", script, mode], run_env)
            times[mode] = (seconds, float(stdout.strip().splitlines()[-1]))
    finally:
        stop(server)
    overhead = times["prefect"][1] - times["plain"][1]
    RESULTS["orchestration"] = {
        "plain_functions_seconds": round(times["plain"][1], 2), "prefect_flow_seconds": round(times["prefect"][1], 2),
        "overhead_seconds": round(overhead, 2), "overhead_share": round(overhead / times["prefect"][1], 2),
        "process_seconds": {"plain": round(times["plain"][0], 2), "prefect": round(times["prefect"][0], 2)},
        "note": "county sample (7 files, 6 slices); flow call timed inside the process, against a running server",
    }  # fmt: skip


NATIONAL_FLOW = """
import json, sys, time
started = time.perf_counter()
from flows.quarterly_report import quarterly_report
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

if __name__ == "__main__":  # the local Dask cluster's processes re-import this script
    imported = time.perf_counter()
    state = quarterly_report("2025-26 Q3", return_state=True)
    finished = time.perf_counter()
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200)
    spans = {}
    for t in tasks:
        if t.start_time is None or t.end_time is None:
            continue
        name = t.name.split(" ")[0].rsplit("-", 1)[0] if not t.name.startswith("render-slice") else "render-slices"
        lo, hi = spans.get(name, (t.start_time, t.end_time))
        spans[name] = (min(lo, t.start_time), max(hi, t.end_time))
    print(json.dumps({
        "state": state.type.value, "total_seconds": round(finished - started, 1),
        "import_seconds": round(imported - started, 1),
        "flow_run_seconds": round((flow_run.end_time - flow_run.start_time).total_seconds(), 1),
        "task_runs": len(tasks),
        "spans_seconds": {k: round((hi - lo).total_seconds(), 1) for k, (lo, hi) in sorted(spans.items())},
    }))
"""


def _tree_memory(process) -> tuple[float, float]:
    """Resident memory of a process and all its descendants, in MB: (RSS, PSS).

    RSS counts a page shared by forked processes once in each of them; PSS splits it between them.
    """
    import psutil

    rss = pss = 0
    try:
        for p in [process, *process.children(recursive=True)]:
            try:
                info = p.memory_full_info()
                rss, pss = rss + info.rss, pss + info.pss
            except psutil.Error:
                pass
    except psutil.Error:
        return 0.0, 0.0
    return rss / 1024**2, pss / 1024**2


def bench_national_flow(folder: Path, dask: bool = True) -> None:
    """The national quarter end to end through quarterly_report: empty SQLite warehouse, from import to the end.

    ``dask``: on a 2-worker local Dask cluster (``national_flow``); else on the default thread pool, each
    report drawn in a forked child (``national_flow_threads``).
    """
    import threading

    import psutil

    from tests.servers import PREFECT, free_port, start, stop, wait_healthy

    runner = "Dask, 2 workers" if dask else "threads, reports drawn in forked children"
    log(
        f"national flow: 300 districts, 4 quarters, from an empty warehouse through quarterly_report ({runner})"
    )
    work = DATA / ("national-flow" if dask else "national-flow-threads")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(work / "home"), PREFECT_API_URL=api, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DASV_PSEUDONYM_KEY="bench-key", DASV_INBOX=str(folder), DASV_CONFIG=str(folder / "dasv-national.yaml"),
               DASV_DATABASE_URL=f"sqlite:///{work / 'warehouse.db'}", DASV_OUT=str(work / "out"),
               DASV_PUBLISH_DIR=str(work / "publish"))  # fmt: skip
    if dask:
        env["DASV_DASK_WORKERS"] = "2"
    server = start(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, work / "server.log"
    )
    try:
        wait_healthy(api)
        script = work / "national_flow.py"
        script.write_text(NATIONAL_FLOW)
        process = subprocess.Popen([sys.executable, str(script)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=(work / "flow.log").open("wb"), text=True)  # fmt: skip
        watched = psutil.Process(process.pid)
        peak = [0.0, 0.0]

        def watch() -> None:
            while process.poll() is None:
                peak[:] = [max(was, now) for was, now in zip(peak, _tree_memory(watched), strict=True)]
                time.sleep(0.5)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        out, _ = process.communicate()
        watcher.join()
        if process.returncode != 0:
            raise RuntimeError(f"the national flow failed; see {work / 'flow.log'}")
        figures = json.loads(out.strip().splitlines()[-1])
    finally:
        stop(server)
    RESULTS["national_flow" if dask else "national_flow_threads"] = {
        **figures, "runner": runner, "peak_rss_mb_process_tree": round(peak[0]),
        "peak_pss_mb_process_tree": round(peak[1]), "target_seconds": 150, "target_peak_rss_mb": 2048,
        "note": "process start to flow end; spans are first start to last end of each task name's runs (slices: "
                "every batch); RSS counts a page shared by forked processes in each, PSS splits it",
    }  # fmt: skip


def bench_portal() -> None:
    """50 concurrent clients for 30 s against the portal on the demo quarter (two workers, loopback)."""
    import httpx

    from dasv.demo import DEMO_ACCOUNTS
    from tests.loadgen import load
    from tests.servers import free_port, start, stop

    log("portal: the demo quarter published, 50 clients for 30 s")
    work = DATA / "portal"
    shutil.rmtree(work, ignore_errors=True)
    env = {**os.environ, "DASV_DATABASE_URL": f"sqlite:///{work / 'warehouse.db'}",
           "DASV_PUBLISH_DIR": str(work / "publish")}  # fmt: skip
    dasv = [sys.executable, "-m", "dasv"]
    subprocess.run([*dasv, "demo", "--out", str(work)], env=env, check=True, capture_output=True)
    csp_email, csp_password, _ = next(a for a in DEMO_ACCOUNTS if "fenland" in a[0])
    token = subprocess.run([*dasv, "portal", "token", "create", csp_email], env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    server = start(
        [*dasv, "portal", "serve", "--port", str(port), "--workers", "2"], env, work / "server.log"
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        single = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
            for _ in range(50):
                seconds, _ = timed(client.get, "/api/v1/districts/fenland/metrics.csv")
                single.append(seconds)
        figures = load(base, csp_email, csp_password, token, clients=50, seconds=30)
    finally:
        stop(server)
    single.sort()
    RESULTS["portal"] = {**figures, "single_client_api_p50_ms": round(single[len(single) // 2] * 1000, 1),
                         "goal_p95_ms": 250, "workers": 2,
                         "note": "50 clients (half signed in: pages and downloads; half with a token: the API) "
                                 "and the server share the machine's cores"}  # fmt: skip


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

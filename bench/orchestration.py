"""The Prefect steps: a county quarter through a running server against the plain functions, and the national
quarter end to end through quarterly_report (time and the process tree's peak memory)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.shared import (
    DATA,
    RESULTS,
    ROOT,
    log,
    run_measured,
)


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
        "    from dasv.flows.quarterly_report import quarterly_report\n"
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
from dasv.flows.quarterly_report import quarterly_report
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

"""The render steps: the slices in one process against a 2-worker Dask cluster, and the PDFs (bench/pdf_render.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.shared import (
    DATA,
    RESULTS,
    ROOT,
    SLICES,
    log,
    timed,
)


def _render_one(args):
    from pathlib import Path as P

    from dasv.report_templates.render import render_outputs

    builder, name, out = args
    render_outputs(builder.report(name), P(out) / name.replace(" ", "-").lower())
    return name


def bench_render(folder: Path) -> None:
    from dask.distributed import Client, LocalCluster

    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.slices import SliceBuilder
    from dasv.warehouse.db import open_warehouse

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

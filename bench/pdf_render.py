"""Time to draw one PDF: the demo's county report and a national slice (300 districts).

``python bench/pdf_render.py`` (or ``make bench-pdf``): builds the demo warehouse's county report
(run ``dasv demo`` first) and a slice of a national warehouse (300 districts, BENCH_PDF_REFERRALS
referrals a quarter, default 20,000: a slice's PDF depends on the number of districts, not on the
referrals), then draws each PDF several times and prints the median seconds per PDF. The figures
are merged into bench/results.json under ``pdf``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import DATA, env_for, inbox, log, run_measured  # noqa: E402

REPEATS = int(os.environ.get("BENCH_PDF_REPEATS", 7))
REFERRALS = int(os.environ.get("BENCH_PDF_REFERRALS", 20_000))


def median_seconds(draw, report, folder: Path) -> float:
    times = []
    for i in range(REPEATS):
        started = time.perf_counter()
        draw(report, folder / f"{i}.pdf")
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def main() -> None:
    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.build import build_report
    from dasv.report.slices import SliceBuilder
    from report_templates.pdf import render_pdf
    from warehouse.db import open_warehouse

    out: dict = {"repeats": REPEATS, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    demo = ROOT / "var" / "demo" / "warehouse.db"
    if not demo.exists():
        raise SystemExit("run `dasv demo` (make demo) first: the county report is the demo warehouse's")
    deployment = load_deployment(ROOT / "dasv" / "config" / "cambs_peterborough.yaml")
    with open_warehouse(f"sqlite:///{demo}").connect() as conn:
        county = build_report(conn, deployment, Quarter(2025, 3))
        fenland = SliceBuilder(conn, deployment, Quarter(2025, 3)).report("Fenland")

    folder = inbox("national", 300, REFERRALS, 4)
    db = DATA / f"pdf-{folder.name}.db"
    config = folder / "dasv-national.yaml"
    if not db.exists():
        log(f"pdf: loading {folder.name} into {db.name}")
        run_measured([sys.executable, "-m", "dasv", "load", str(folder)], env_for(f"sqlite:///{db}", config))
    national = load_deployment(config)
    with open_warehouse(f"sqlite:///{db}").connect() as conn:
        builder = SliceBuilder(conn, national, Quarter(2025, 3))
    national_slice = builder.report(national.districts[0].name)

    with tempfile.TemporaryDirectory() as tmp:
        render_pdf(county, Path(tmp) / "warm.pdf")  # the first draw in a process loads fonts
        for name, report in (("county_pdf_seconds", county), ("demo_slice_pdf_seconds", fenland),
                             ("national_slice_pdf_seconds", national_slice)):  # fmt: skip
            out[name] = median_seconds(render_pdf, report, Path(tmp))
            log(f"pdf: {name} {out[name]}")
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["pdf"] = out
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

"""Time to draw one PDF: the demo's county report, a demo slice and a national slice (300 districts).

``python bench/pdf_render.py``: builds the demo warehouse's county report and Fenland's slice (run
``dasv demo`` first) and a slice of a national warehouse (300 districts, BENCH_PDF_REFERRALS
referrals a quarter, default 20,000: a slice's PDF depends on the number of districts, not on the
referrals), then draws each PDF several times and prints the median seconds per PDF, two ways:
``in_child`` forks a fresh child for each draw, as the quarterly run does (``dasv.forked``: the
child starts from its parent's imports and fonts, not from a warm Typst); ``warm`` draws again in
one process. BENCH_PDF_BASELINE names a file holding another ``render_pdf`` (e.g. an older
``report_templates/pdf.py``) to time beside it in the same run. Figures are merged into
bench/results.json under ``pdf``.
"""

from __future__ import annotations

import importlib.util
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
BASELINE = os.environ.get("BENCH_PDF_BASELINE")


def median_seconds(draw, report, folder: Path, in_child: bool) -> float:
    from dasv.forked import call_in_child

    def once(i: int) -> float:
        started = time.perf_counter()
        draw(report, folder / f"{i}.pdf")
        return time.perf_counter() - started

    times = [call_in_child(once, i) if in_child else once(i) for i in range(REPEATS)]
    return round(statistics.median(times), 3)


def reports() -> dict:
    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.build import build_report
    from dasv.report.slices import SliceBuilder
    from warehouse.db import open_warehouse

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
    return {"county": county, "demo_slice": fenland, "national_slice": builder.report(national.districts[0].name)}


def main() -> None:
    from report_templates.render import prepare

    renderers = {"pdf": __import__("report_templates.pdf", fromlist=["render_pdf"]).render_pdf}
    if BASELINE:
        spec = importlib.util.spec_from_file_location("baseline_pdf", BASELINE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        renderers["baseline"] = module.render_pdf
    drawn = reports()
    prepare()  # what the quarterly run does before it forks its children
    out: dict = {"repeats": REPEATS, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "national_referrals_per_quarter": REFERRALS}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for in_child in (True, False):  # children first: they must start from a parent that has drawn nothing
            for name, report in drawn.items():
                for who, draw in renderers.items():
                    key = f"{who}_{name}_{'in_child' if in_child else 'warm'}_seconds"
                    if not in_child:
                        draw(report, Path(tmp) / "warm.pdf")
                    out[key] = median_seconds(draw, report, Path(tmp), in_child)
                    log(f"pdf: {key} {out[key]}")
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["pdf"] = out
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

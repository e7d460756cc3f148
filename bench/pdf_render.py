"""Time to draw one PDF: the demo's county report, a demo slice and a national slice (300 districts).

``python bench/pdf_render.py`` (or ``BENCH_ONLY=pdf make bench``): builds the demo warehouse's county report and
Fenland's slice (run ``dasv demo`` first) and a slice of a national warehouse (300 districts,
BENCH_PDF_REFERRALS referrals a quarter, default 20,000: a slice's PDF depends on the number of
districts, not on the referrals), then draws each report's PDF, and all its outputs, in a forked
child as the quarterly run does (``dasv.forked``), BENCH_PDF_REPEATS times (default 7), and prints
the median wall and CPU seconds (CPU: the child's and the Typst server's). BENCH_PDF_BASELINE
names a file holding another ``render_pdf`` (e.g. ``git show 048ef8e:report_templates/pdf.py``,
the ReportLab page layout) to time beside it in the same run, on the same reports. Figures are
merged into bench/results.json under ``pdf``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.shared import DATA, env_for, inbox, log, run_measured  # noqa: E402

REPEATS = int(os.environ.get("BENCH_PDF_REPEATS", 7))
REFERRALS = int(os.environ.get("BENCH_PDF_REFERRALS", 20_000))
BASELINE = os.environ.get("BENCH_PDF_BASELINE")


def _server_cpu() -> float:
    """CPU seconds of this process's Typst servers and their forks so far (0 where there are none)."""
    from dasv.report_templates import typst_server

    total = 0.0
    for _, _, process in typst_server._servers:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # its own and its reaped children's (each PDF is drawn in a fork of the server)
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def measure(draw, report, folder: Path) -> dict:
    """Median wall and CPU seconds (the child's and the Typst server's) of drawing the report in a forked child."""
    from dasv.forked import call_in_child

    def once(i: int) -> tuple[float, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        draw(report, folder / f"{i}")
        after = resource.getrusage(resource.RUSAGE_SELF)
        return (
            time.perf_counter() - started,
            after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
        )

    walls, cpus = [], []
    for i in range(REPEATS):
        server = _server_cpu()
        wall, cpu = call_in_child(once, i)
        walls.append(wall)
        cpus.append(cpu + _server_cpu() - server)
    return {"wall": round(statistics.median(walls), 3), "cpu": round(statistics.median(cpus), 3)}


def reports() -> dict:
    from dasv.config import load_deployment
    from dasv.quarters import Quarter
    from dasv.report.build import build_report
    from dasv.report.slices import SliceBuilder
    from dasv.warehouse.db import open_warehouse

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
    return {
        "county": county,
        "demo_slice": fenland,
        "national_slice": builder.report(national.districts[0].name),
    }


def main() -> None:
    out = measure_all()
    path = ROOT / "bench" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["pdf"] = out
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(out, indent=2))


def measure_all() -> dict:
    import dasv.report_templates.render as render
    from dasv.report_templates.pdf import render_pdf
    from dasv.report_templates.render import prepare, render_outputs

    renderers = {"typst": render_pdf}
    if BASELINE:
        spec = importlib.util.spec_from_file_location("baseline_pdf", BASELINE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        renderers["baseline"] = module.render_pdf
    drawn = reports()
    prepare()  # what the quarterly run does before it forks its children (starts the Typst server)
    out: dict = {"repeats": REPEATS, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "national_referrals_per_quarter": REFERRALS, "load_average": os.getloadavg()[0],
                 "note": "median of REPEATS draws, each in a forked child as the quarterly run draws; cpu is "
                         "the child's plus the Typst server's; all_outputs is PDF, HTML, xlsx, CSVs and JSON"}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name, report in drawn.items():
            for who, draw in renderers.items():
                render.render_pdf = draw  # what render_outputs draws the PDF with
                pdf = measure(lambda r, f, draw=draw: draw(r, f.with_suffix(".pdf")), report, Path(tmp))
                every = measure(lambda r, f: render_outputs(r, f), report, Path(tmp))
                out[f"{who}_{name}"] = {"pdf": pdf, "all_outputs": every}
                log(f"pdf: {who} {name}: {out[f'{who}_{name}']}")
        render.render_pdf = render_pdf
    out["load_average_after"] = os.getloadavg()[0]
    return out


if __name__ == "__main__":
    main()

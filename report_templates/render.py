"""Write every output of one report into a folder: PDF, HTML, spreadsheet, CSVs, metrics.json.

Files are first written into a hidden folder beside the target and moved into place only
when all of them succeeded, so a failed render (full disk, unwritable folder) never
leaves a half-written set next to a good one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from dasv.errors import RenderError
from dasv.measures.marac import DEFINITIONS as MARAC_DEFINITIONS
from dasv.report.model import Report
from dasv.report_templates import typst_server
from dasv.report_templates.csv_out import render_csv
from dasv.report_templates.html import render_html
from dasv.report_templates.html import template as html_template
from dasv.report_templates.pdf import render_pdf
from dasv.report_templates.xlsx import render_xlsx
from dasv.safe_text import slug

# the SafeLives return workbook holds MARAC figures only: it defines those, and the population
MARAC_TERMS = {term for term, _ in MARAC_DEFINITIONS} | {"Population"}


def prepare() -> None:
    """Do once in this process what every process's first report would: forked children inherit it.

    The Typst server is started here, so every child forked after this asks the same warm one.
    """
    html_template()
    typst_server.start()
    # what building a report imports lazily (the statements' tests: dasv.measures.intervals), imported
    # before any child is forked: a child forked while another thread of this process was importing
    # it would wait for ever on the module's import lock
    import scipy.stats  # noqa: F401
    import statsmodels.stats.proportion  # noqa: F401


def output_stem(report: Report) -> str:
    """``dasv-2025-26-Q3`` for the county, ``dasv-2025-26-Q3-fenland`` for a slice (canonical names only)."""
    stem = f"dasv-{report.quarter.replace(' ', '-')}"
    if report.classification:  # the restricted edition says what it is in its file name too
        return f"{stem}-{report.classification}"
    return f"{stem}-{slug(report.area)}" if report.area else stem


def render_outputs(report: Report, out_dir: Path) -> dict[str, Path]:
    """Render the report and its companions into ``out_dir``; return name -> path.

    Raises:
        RenderError: the folder cannot be created or written (nothing is left half-written).
        UnregisteredFigure: a protected report prints a count no table registered (nothing is written).
    """
    from dasv.report.registry import check

    check(report)  # a protected report printing a figure no table registered is not drawn at all
    out_dir = Path(out_dir)
    stem = output_stem(report)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".rendering-", dir=out_dir))
    except OSError as exc:
        raise RenderError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    try:
        made = {
            "pdf": render_pdf(report, staging / f"{stem}.pdf"),
            "html": render_html(report, staging / f"{stem}.html"),
            "xlsx": render_xlsx(report, staging / f"{stem}.xlsx"),
            "metrics": _write_json(report.metrics, staging / f"{stem}-metrics.json"),
        }
        for table in report.all_tables:
            made[f"csv:{table.key}"] = render_csv(table, staging / "csv" / f"{stem}-{table.key}.csv")
        if not report.area and not report.suppressed:  # the SafeLives return: the restricted edition's only
            safelives = [t for t in report.tables if t.key == "marac_rolling_12_months"]
            made["marac_return"] = render_xlsx(
                report, staging / f"{stem}-marac-return.xlsx", tables=safelives,
                title=f"MARAC figures for the SafeLives return: twelve months to the end of {report.quarter}",
                definitions=[d for d in report.definitions if d[0] in MARAC_TERMS],
            )  # fmt: skip
        final = {}
        for name, path in made.items():
            target = out_dir / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
            final[name] = target
        return final
    except OSError as exc:
        raise RenderError(f"cannot write the report into {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_json(doc: dict, path: Path) -> Path:
    from dasv.measures.present import explain_nulls  # never null beside "ok": each null figure says why

    explain_nulls(doc)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path

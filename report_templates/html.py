"""The accessible HTML report (GOV.UK's default publishing format), from a Jinja2 template."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from dasv.quarters import london_time
from dasv.report import glossary
from dasv.report.cells import Variation
from dasv.report.lineage import periods_text
from dasv.report.model import Report, ReportTable
from dasv.report.verdict import real_changes
from dasv.report_templates.charts import chart_svg
from dasv.report_templates.pdf import CHANGED, NONE_REAL

TEMPLATES = Path(__file__).parent


def _groups(table: ReportTable) -> list[tuple[str, int]]:
    """Consecutive column groups after the label column, with their widths."""
    out: list[tuple[str, int]] = []
    for column in table.columns[1:]:
        name = column.group or column.header
        if out and out[-1][0] == name and column.group:
            out[-1] = (name, out[-1][1] + 1)
        else:
            out.append((name, 1))
    return out


@cache
def template():
    """The report's template, compiled once a process (~45 ms), not once a slice.

    Forked children inherit it compiled from a parent that has called this (``render.prepare``).
    """
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    return environment.get_template("report.html.j2")


def render_html(report: Report, path: Path) -> Path:
    """Write the HTML report: semantic tables with captions and scopes, SVG charts with text alternatives."""
    sections = [
        {"key": s.key, "title": s.title, "intro": s.intro, "tables": s.tables, "statements": s.statements,
         "charts": [_chart(c) for c in s.charts]}
        for s in report.sections
    ]  # fmt: skip
    text = glossary.report_text(report)
    html = template().render(report=report, charts=[_chart(c) for c in report.charts], sections=sections,
                             glossary=glossary.entries(text, report.words), abbreviations=glossary.spelled_out(text),
                             changed=(CHANGED, real_changes(report.statements) or [NONE_REAL]),
                           groups=_groups, london_time=london_time, cell=cell_html, periods=periods_text)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


ICONS = {  # the charts' marker shapes: never colour alone
    "special_cause_higher": '<polygon points="1,11 11,11 6,1" fill="#F46A25"/>',
    "special_cause_lower": '<polygon points="6,0 11,6 6,12 1,6" fill="#28A197"/>',
    "common_cause": '<circle cx="6" cy="6" r="4.5" fill="#6F777B"/>',
}


def cell_html(table: ReportTable, row: int, col: int) -> Markup:
    """A cell as HTML: its printed text, with the SPC icon before a variation's words."""
    cell = table.rows[row][col]
    text = escape(table.text(row, col))
    if isinstance(cell, Variation) and cell.signal in ICONS:
        icon = f'<svg class="icon" aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 12 12">{ICONS[cell.signal]}</svg>'
        return Markup(f"{icon} {text}")
    return Markup(text)


def _chart(chart) -> dict:
    return {"key": chart.key, "title": chart.title, "description": chart.description,
            "src": svg_data_uri(chart_svg(chart))}  # fmt: skip


def svg_data_uri(svg: str) -> str:
    """An SVG as an image source inside the page: the file stays one self-contained document.

    As an image (with its text alternative) the chart's text is not part of the page's text,
    so it is read once, from the alt text and the description under it.
    """
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")

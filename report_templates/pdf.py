"""The quarterly report as a tagged PDF/UA-1 (Typst, A4 landscape), drawn from the report model.

Typst lays out the pages (``report_templates/report.typ``) and writes the structure tree:
headings H1-H3 with bookmarks, tables with header rows repeated on each page, figures with
alternative text, language en-GB, the title shown in the title bar, fonts embedded (Atkinson
Hyperlegible, shipped in ``report_templates/fonts`` under the SIL Open Font License).
ReportLab stays the chart engine: each chart is drawn as SVG and placed as a figure.

Nothing from the report is written into Typst source: this module turns the report into a JSON
document (every cell already in its printed form, :meth:`ReportTable.text`) and the template
reads it as data, so text such as ``# * $ < @`` or a backslash prints as written, never as markup.
Sections follow docs/report.md, "What a quarter produces": title, headline figures, referral tables,
other relevant data, SPC charts, further sections, other relevant information, data quality,
definitions.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dasv.errors import RenderError
from dasv.quarters import london_time
from dasv.report import glossary
from dasv.report.cells import Variation, format_cell
from dasv.report.lineage import periods_text
from dasv.report.model import Report, ReportTable
from dasv.report.verdict import real_changes
from dasv.report_templates.charts import pdf_chart_svg
from dasv.report_templates.pdf_tags import finish
from dasv.report_templates.typst_server import TypstFailed, compile_pdf

ICONS = {"special_cause_higher": "triangle", "special_cause_lower": "diamond"}
CHANGED = "What changed: the changes that are more than noise"  # page 1, under the headline (and in the HTML)
NONE_REAL = "No change from last quarter is more than normal variation."
SOURCE_HEADERS = ("Source", "File", "Quarters / months", "Rows", "Skipped", "SHA-256", "Loaded (UK time)")


def render_pdf(report: Report, path: Path) -> Path:
    """Write the report as a tagged PDF/UA-1 with title, author, subject and language."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc, charts = document(report)
    # the charts go in as files, not inputs: Typst hashes its inputs into every cached step of the
    # layout, and 140 kB of SVG there made a 300-row table eight times slower
    with tempfile.TemporaryDirectory(prefix=".charts-", dir=path.parent) as folder:
        for block in doc["blocks"]:
            if block["kind"] == "figure":
                file = Path(folder, f"{block['svg']}.svg").resolve()
                file.write_text(charts[block["svg"]], encoding="utf-8")
                block["svg"] = file.as_posix()
        inputs = {"report": json.dumps(doc, ensure_ascii=False)}
        try:
            pdf = finish(compile_pdf(inputs, int(report.produced_at.timestamp())))  # row headers tagged
        except TypstFailed as exc:
            raise RenderError(f"the PDF could not be laid out: {exc}") from None
    path.write_bytes(pdf)
    return path


class _Blocks:
    """The document's blocks in order, its numbered headings, and each chart's SVG by its input name."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.charts: dict[str, str] = {}

    def heading(self, title: str, intro: list[str] | None = None) -> None:
        number = sum(block["kind"] == "h2" for block in self.items) + 1
        self.items.append({"kind": "h2", "text": f"{number}. {title}"})
        if intro is not None:
            self.items[-1]["intro"] = intro

    def tables(self, tables: list[ReportTable]) -> None:
        self.items += [block for table in tables for block in table_blocks(table)]

    def figures(self, charts: list) -> None:
        for chart in charts:
            key = f"chart-{len(self.charts)}"
            self.charts[key] = pdf_chart_svg(chart)
            # the alternative text names the chart (as the HTML's img alt); the description beside it
            # is read once, as text
            self.items.append({"kind": "figure", "svg": key, "caption": chart.description,
                               "alt": f"Chart: {chart.title}; described beside it."})  # fmt: skip

    def bullets(self, title: str, items: list[str]) -> None:
        self.items += [{"kind": "h3", "text": title}, {"kind": "bullets", "items": items}]


def document(report: Report) -> tuple[dict, dict[str, str]]:
    """The report as the template's data, and each chart's SVG by its input name."""
    b = _Blocks()
    b.heading("Headline figures")
    b.tables([report.headline])
    b.bullets(CHANGED, real_changes(report.statements) or [NONE_REAL])
    b.heading("Referral data")
    b.tables([t for t in report.tables if t.section == "referrals"])
    b.heading("Other relevant data")
    b.tables([t for t in report.tables if t.section != "referrals"])
    b.heading("Variation: monthly SPC charts", [report.notes["spc"]] if report.notes.get("spc") else [])
    b.figures(report.charts)
    b.tables(report.chart_tables)  # the charts' monthly values
    for section in report.sections:
        b.heading(section.title, section.intro)
        b.tables(section.tables)
        b.figures(section.charts)
        if section.statements:
            b.bullets("Drafted from the figures", section.statements)
    text = glossary.report_text(report)
    _closing_sections(report, b, text)
    return _metadata(report, b.items, text), b.charts


def _closing_sections(report: Report, b: _Blocks, text: str) -> None:
    """Other relevant information, data quality, definitions and the glossary."""
    b.heading("Other relevant information")
    if report.commentary:
        b.items += [
            {"kind": "h3", "text": "Commentary"},
            *({"kind": "p", "text": p} for p in report.commentary),
        ]
    b.bullets("Drafted from the figures", report.statements)
    b.heading("Data quality")
    b.items.append({"kind": "bullets", "items": report.quality or ["No anomalies found."]})
    b.tables(report.quality_tables)  # each source's coverage
    b.items += [{"kind": "h3", "text": "Source files"}, sources_table(report)]
    if report.provenance:
        b.bullets("Produced by", report.provenance)
    b.heading("Definitions")
    b.items.append({"kind": "terms", "items": [list(d) for d in report.definitions]})
    b.heading("Glossary")  # every acronym and statistical term the report prints, from one record each
    b.items.append({"kind": "terms", "items": [list(t) for t in glossary.entries(text, report.words)]})


def _metadata(report: Report, blocks: list[dict], text: str) -> dict:
    """The document: its title, author, subject, keywords, footer and banners around the blocks."""
    area = f" – {report.area}" if report.area else ""
    return {
        "title": f"{report.title}: {report.subtitle}{area}",
        "heading": report.title,
        "subtitle": report.subtitle + area,
        "author": report.author or report.partnership,
        "subject": f"Domestic abuse performance, {report.quarter}",
        "keywords": ["domestic abuse", report.quarter, *([report.area] if report.area else []),
                     *([report.classification] if report.classification else [])],
        "footer": f"{report.title} – {report.subtitle}{area}",
        # the files it was produced from are listed under Data quality, not on page 1
        "produced": f"{report.partnership}. Produced {london_time(report.produced_at)}.",
        "abbreviations": glossary.spelled_out(text),  # each acronym's first use, spelled out
        "suppressed": report.banner,
        "classification": report.classification or "",
        "blocks": blocks,
    }  # fmt: skip


def table_blocks(table: ReportTable) -> list[dict]:
    """A table's title (a level-3 heading) and the table with its source and notes beneath."""
    return [{"kind": "h3", "text": table.title}, table_block(table)]


def table_block(table: ReportTable) -> dict:
    """One table as the template draws it: header rows, printed cells, bold columns, footnote."""
    columns = table.columns
    words = all(c.kind in ("label", "text") for c in columns)  # a table of words (data coverage) reads left
    if any(c.group for c in columns):
        # the label column's header on the top row (text tools read it first), its second row empty
        top = [{"text": columns[0].header, "span": 1, "align": "left"}]
        sub = [{"text": "", "span": 1, "align": "left"}]
        i = 1
        while i < len(columns):
            group, j = columns[i].group, i
            while j + 1 < len(columns) and group and columns[j + 1].group == group:
                j += 1
            top.append({"text": group or columns[i].header, "span": j - i + 1, "align": "center"})
            sub += [{"text": c.sub or "", "span": 1, "align": "right"} for c in columns[i : j + 1]]
            i = j + 1
        head = [top, sub]
    else:
        head = [
            [
                {"text": c.header, "span": 1, "align": "left" if k == 0 or words else "right"}
                for k, c in enumerate(columns)
            ]
        ]
    rows = [
        [str(row[0])] + [_cell(table, r, c) for c in range(1, len(row))] for r, row in enumerate(table.rows)
    ]
    # the label column as wide as its longest label needs (about 0.16 cm a character at 8 pt), so a
    # row reads on one line, within bounds that leave the figures room
    longest = max([len(str(row[0])) for row in table.rows] + [len(columns[0].header)])
    label_width = min(max(longest * 0.16, 5.2 if len(columns) > 6 else 8.5), 8.5 if len(columns) > 6 else 14)
    return {"kind": "table", "columns": len(columns), "head": head, "rows": rows, "total": table.total_row,
            "label_width": round(label_width, 2),
            "current": [c.current for c in columns], "foot": table.footnote(),
            "narrow": table.section == "other" and len(columns) <= 4, "left": words}  # fmt: skip


def _cell(table: ReportTable, row: int, col: int) -> str | dict:
    cell = table.rows[row][col]
    if table.columns[col].kind == "variation" and isinstance(cell, Variation):
        return {"icon": ICONS.get(cell.signal or "", "circle"), "text": cell.text()}
    return table.text(row, col)


def sources_table(report: Report) -> dict:
    """The loaded files: what each holds, its rows, its SHA-256 and when it was loaded."""
    rows = [[s.title, s.file_name, periods_text(s.periods), format_cell(s.rows_loaded), format_cell(s.rows_skipped),
             [s.sha256[:32], s.sha256[32:]], london_time(s.loaded_at)] for s in report.sources]  # fmt: skip
    return {"kind": "table", "columns": len(SOURCE_HEADERS), "rows": rows, "total": False, "foot": "",
            "head": [[{"text": h, "span": 1, "align": "left"} for h in SOURCE_HEADERS]],
            "current": [False] * len(SOURCE_HEADERS), "narrow": False, "left": True, "rules": True,
            "widths": [3.0, 5.1, 4.5, 1.4, 1.6, 0, 3.3]}  # fmt: skip

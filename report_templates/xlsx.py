"""The accessible spreadsheet, written with xlsxwriter in the layout gptables uses.

It follows the Analysis Function's "Releasing statistics in spreadsheets": a cover sheet,
a contents sheet, a notes sheet, one table per sheet (title in A1, then subtitles,
instructions and source, then one marked-up Excel table with one header row), no merged
cells, no gridlines, numbers stored as numbers, shorthand explained on the Notes sheet.
The layout and fonts are gptables' (Arial 12, titles 16 bold, subtitles 14, column widths
fitted to the longest line); gptables itself built a pandas frame of formats for every
cell, which was most of a district slice's rendering time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from math import ceil
from pathlib import Path
from typing import NamedTuple

import xlsxwriter
from xlsxwriter.utility import cell_autofit_width

from dasv.measures.status import Missing
from dasv.quarters import london_time
from dasv.report.cells import Rate, Revised, Suppressed, data_value
from dasv.report.model import Report, ReportTable
from dasv.rule import SECONDARY, rule, secondary_note, small_marker, small_note

SHORTHAND = {
    "[z]": "Not applicable: a percentage or rate whose denominator is zero.",
    "[x]": "Not available: the source does not cover this period (not supplied), covers only part of it "
    "(incomplete), or has no such column (not recorded). The table's notes say which; never a zero.",
}


# Cells are written as values, never as formulas: xlsxwriter would otherwise turn text
# starting "=" into a formula. With this, no text needs a visible guard apostrophe. The parts are
# zipped from memory rather than through temporary files: a slice's workbook 0.07 -> 0.04 s here.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "in_memory": True}


def _cell(value, kind: str):
    if isinstance(value, Revised):
        return _cell(value.cell, kind)
    if isinstance(value, Suppressed):
        return SECONDARY
    if isinstance(value, Missing):
        return "[x]"
    if value is None:
        return "[z]" if kind in ("pct", "rate", "number") else "[x]"
    if isinstance(value, Rate):
        number = value.value(places=1)
        return "[z]" if number is None else number
    out = data_value(value)
    if isinstance(out, str) and not any(ch.isalnum() for ch in out):
        # a cell of symbols only (the PDF's "–") is not allowed by the guidance: use the shorthand
        return "[z]"
    return out


def table_cells(table: ReportTable) -> tuple[list[str], list[list]]:
    """The table's header row and its rows: cells as numbers (changes as their numbers) or shorthand."""
    headers = _unique(table.data_headers())
    kinds = table.data_kinds()
    rows = [[_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in table.data_rows()]
    return headers, rows


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _sheet_name(index: int, table: ReportTable) -> str:
    return f"Table_{index}"


class _Sheet(NamedTuple):
    """One worksheet's table with its publication metadata, as the contents sheet lists it."""

    name: str
    table_name: str
    title: str
    subtitles: list[str]
    instructions: str
    source: str | None
    headers: list[str]
    rows: list[list]
    links: bool = False  # the first column holds worksheet names, written as links to them


FONT = {"font_name": "Arial", "font_size": 12, "font_color": "automatic"}
STYLES = {
    "cover_title": {"bold": True, "font_size": 16, "text_wrap": True},
    "cover_subtitle": {"bold": True, "font_size": 14, "text_wrap": True},
    "cover_text": {"text_wrap": True},
    "title": {"bold": True, "font_size": 16},
    "subtitle": {"font_size": 14},
    "text": {},
}
COVER_WIDTH = 85  # characters, as gptables' cover
SHORTHAND_CELL = re.compile(r"\[[\w\s]+\]")


class _Formats:
    """One xlsxwriter format per distinct style, made when first asked for."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self.made: dict[tuple, object] = {}

    def __call__(self, style: str, **extra):
        key = (style, *sorted(extra.items()))
        if key not in self.made:
            self.made[key] = self.workbook.add_format({**FONT, **STYLES[style], **extra})
        return self.made[key]


def _numeric(rows: list[list], column: int) -> bool:
    """Right-aligned when every cell that is not shorthand is a number (gptables' rule)."""
    return column > 0 and all(
        isinstance(row[column], int | float)
        and not isinstance(row[column], bool)
        or isinstance(row[column], str)
        and SHORTHAND_CELL.fullmatch(row[column])
        for row in rows
    )


def _width(value, font_size: int = 12, bold: bool = False) -> int:
    """Pixels for the longest line of a cell, scaled for font size, bold and capitals (gptables' rule)."""
    return _text_width(value if isinstance(value, str) else str(value), font_size, bold)


@lru_cache(maxsize=4096)  # a national slice's tables repeat the same cells (counts, "[c]") thousands of times
def _text_width(text: str, font_size: int, bold: bool) -> int:
    line = max(text.split("\n"), key=len)
    upper = sum(ch.isupper() for ch in line) / len(line) if line else 0
    return ceil(cell_autofit_width(line) * (font_size / 11) * (1.1 if bold else 1.0) * (1.0 + 0.15 * upper))


def _write_cover(worksheet, formats: _Formats, title: str, sections: list[tuple[str, list[str]]]) -> None:
    worksheet.write_string(0, 0, title, formats("cover_title"))
    row = 1
    for heading, lines in sections:
        worksheet.write_string(row, 0, heading, formats("cover_subtitle"))
        for line in lines:
            row += 1
            worksheet.write_string(row, 0, line, formats("cover_text"))
        row += 1
    worksheet.set_column(0, 0, COVER_WIDTH)


def _write_sheet(worksheet, formats: _Formats, sheet: _Sheet) -> None:
    """Title, subtitles, instructions and source, then the table marked up as an Excel table."""
    worksheet.write_string(0, 0, sheet.title, formats("title"))
    lines = [(s, "subtitle") for s in sheet.subtitles] + [(sheet.instructions, "text")]
    lines += [(sheet.source, "text")] if sheet.source else []
    for row, (text, style) in enumerate(lines, start=1):
        worksheet.write_string(row, 0, text, formats(style))
    top = len(lines) + 1
    aligns = ["right" if _numeric(sheet.rows, c) else "left" for c in range(len(sheet.headers))]
    widths = [_width(h, bold=True) for h in sheet.headers]
    for c, header in enumerate(sheet.headers):
        worksheet.write_string(top, c, header, formats("text", bold=True, bottom=1, text_wrap=1, valign="top",
                                                       align=aligns[c]))  # fmt: skip
    cell_formats = [formats("text", text_wrap=1, align=a) for a in aligns]
    link_format = (
        formats("text", text_wrap=1, align=aligns[0], font_color="blue", underline=1) if sheet.links else None
    )
    for r, row in enumerate(sheet.rows, start=top + 1):
        for c, value in enumerate(row):
            if link_format and c == 0:
                worksheet.write_url(r, c, f"internal:'{value}'!A1", link_format, string=value)
            elif isinstance(value, str):
                worksheet.write_string(r, c, value, cell_formats[c])
            else:
                worksheet.write_number(r, c, value, cell_formats[c])
            widths[c] = max(widths[c], _width(value))
    for c, width in enumerate(widths):
        worksheet.set_column_pixels(c, c, width)
    if not sheet.rows:  # an Excel table needs a data row: the header alone stays plain cells
        return
    worksheet.add_table(top, 0, top + len(sheet.rows), len(sheet.headers) - 1, {
        "name": sheet.table_name, "header_row": True, "autofilter": False, "style": None,
        "columns": [{"header": h, "header_format": formats("text", bold=True, bottom=1, text_wrap=1,
                                                          valign="top", align=a)}
                    for h, a in zip(sheet.headers, aligns, strict=True)],
    })  # fmt: skip


def shorthand(report: Report) -> dict[str, str]:
    """The notes sheet's shorthand: the markers of a protected report (worded by dasv.rule), then the rest."""
    marks = {}
    if report.suppressed:
        marks = {small_marker(report.threshold): small_note(report.threshold),
                 SECONDARY: secondary_note(report.threshold)}  # fmt: skip
    return {**marks, **SHORTHAND}


def render_xlsx(
    report: Report,
    path: Path,
    tables: list[ReportTable] | None = None,
    title: str | None = None,
    definitions: list[tuple[str, str]] | None = None,
) -> Path:
    """Write the workbook; ``tables`` defaults to every table of the report.

    Args:
        definitions: the definitions of what the workbook contains (default: the report's).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = tables if tables is not None else report.all_tables
    definitions = report.definitions if definitions is None else definitions
    sheets = []
    for i, table in enumerate(tables, start=1):
        headers, rows = table_cells(table)
        sheets.append(_Sheet(
            name=_sheet_name(i, table), table_name=f"table_{i}_{table.key}",
            title=table.title + (f" – {report.area}" if report.area else ""),
            subtitles=[f"This worksheet contains one table. Period: {report.quarter}.", *table.notes],
            instructions="Shorthand used in cells is explained on the Notes worksheet.",
            source=table.source, headers=headers, rows=rows,
        ))  # fmt: skip
    one_table = "This worksheet contains one table."
    contents = _Sheet(
        "Contents", "contents_table", "Table of contents", [], one_table, None, ["Sheet name", "Table description"],
        [[s.name, "\n".join([s.title, *s.subtitles] + ([s.source] if s.source else []))] for s in sheets],
        links=True,
    )  # fmt: skip
    notes = _Sheet(
        "Notes", "notes_table", "Notes", [], one_table, None, ["Note number", "Note text"],
        [[k, v] for k, v in shorthand(report).items()]
        + [[f"[note {i}]", f"{term}: {text}"] for i, (term, text) in enumerate(definitions, 1)],
    )  # fmt: skip
    suppression = rule(report.threshold) if report.suppressed else report.banner
    cover = [
        ("Introductory information", [
            f"{report.partnership}.",
            f"Produced {london_time(report.produced_at)} by dasv-reporting from the loaded exports; "
            "the PDF and HTML reports show the same tables.",
        ]),
        ("About these data", [f"Suppression: {suppression}", *[f"{term}: {text}" for term, text in definitions]]),
        ("Contact", [report.author or report.partnership]),
    ]  # fmt: skip
    workbook = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    formats = _Formats(workbook)
    worksheet = workbook.add_worksheet("Cover")
    worksheet.hide_gridlines(2)
    _write_cover(
        worksheet, formats,
        title or f"{report.title}: {report.subtitle}" + (f" – {report.area}" if report.area else ""), cover,
    )  # fmt: skip
    for sheet in [contents, notes, *sheets]:
        worksheet = workbook.add_worksheet(sheet.name)
        worksheet.hide_gridlines(2)
        _write_sheet(worksheet, formats, sheet)
    workbook.close()
    return path

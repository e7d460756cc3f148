"""The accessible spreadsheet, written with gptables.

It follows the Analysis Function's "Releasing statistics in spreadsheets": a cover sheet,
a contents sheet, a notes sheet, one table per sheet, one header row, no merged cells,
numbers stored as numbers, shorthand explained.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import gptables as gpt
import pandas as pd

from dasv.quarters import london_time
from dasv.report.model import Rate, Report, ReportTable, Revised, Suppressed, data_value

SHORTHAND = {
    "[c]": "Confidential: a small count (1 to 4), or a value withheld so that a small count cannot be "
    "worked out from totals. Only district slices withhold values.",
    "[z]": "Not applicable: a percentage or rate whose denominator is zero.",
    "[x]": "Not available: the figure is missing for this period (for example an incomplete police quarter).",
}


# Cells are written as values, never as formulas: xlsxwriter would otherwise turn text
# starting "=" into a formula. With this, no text needs a visible guard apostrophe.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False}


def _cell(value, kind: str):
    if isinstance(value, Revised):
        return _cell(value.cell, kind)
    if isinstance(value, Suppressed):
        return "[c]"
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


def table_frame(table: ReportTable) -> pd.DataFrame:
    """The table as a DataFrame: one header row, cells as numbers (changes as their numbers) or shorthand."""
    headers = _unique(table.data_headers())
    kinds = table.data_kinds()
    rows = [[_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in table.data_rows()]
    return pd.DataFrame(rows, columns=headers, dtype=object)


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _sheet_name(index: int, table: ReportTable) -> str:
    return f"Table_{index}"


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
    sheets = {}
    for i, table in enumerate(tables, start=1):
        subtitles = [f"This worksheet contains one table. Period: {report.quarter}."]
        if table.notes:
            subtitles += table.notes
        sheets[_sheet_name(i, table)] = gpt.GPTable(
            table=table_frame(table),
            table_name=f"table_{i}_{table.key}",
            title=table.title + (f" – {report.area}" if report.area else ""),
            subtitles=subtitles,
            source=table.source,
            instructions="Shorthand used in cells is explained on the Notes worksheet.",
        )
    notes = pd.DataFrame(
        [[k, v] for k, v in SHORTHAND.items()]
        + [[f"[note {i}]", f"{term}: {text}"] for i, (term, text) in enumerate(definitions, 1)],
        columns=["Note number", "Note text"],
    )
    cover = gpt.Cover(
        title=title or f"{report.title}: {report.subtitle}" + (f" – {report.area}" if report.area else ""),
        intro=[
            f"{report.partnership}.",
            f"Produced {london_time(report.produced_at)} by dasv-reporting from the loaded exports; "
            "the PDF and HTML reports show the same tables.",
        ],
        about=[
            "Suppression: "
            + (
                "district slices withhold small counts (1 to 4) and values that would reveal them, "
                "shown as [c]."
                if report.suppressed
                else "none; this county report is for the Board."
            ),
            *[f"{term}: {text}" for term, text in definitions],
        ],
        contact=[report.author or report.partnership],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpt.write_workbook(
            filename=str(path), sheets=sheets, cover=cover, notes_table=notes,
            contentsheet_options={"additional_elements": ["subtitles", "source"]},
            workbook_options=WORKBOOK_OPTIONS,
        )  # fmt: skip
    return path

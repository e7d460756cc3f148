"""The report as data: tables that carry their own metadata, drawn by every renderer.

A :class:`ReportTable` knows its title, source, notes, columns and cells; the PDF, the
spreadsheet, the HTML and the CSVs are all drawn from the same objects, so they cannot
disagree. Percentages are kept as numerator and denominator (:class:`Rate`) and rounded
only when shown: whole percent, half up, in the PDF and HTML; one decimal in the
spreadsheet and CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dasv.measures.rates import ratio

DASH = "–"


@dataclass(frozen=True)
class Rate:
    """A rate kept as its counts: ``numerator / denominator * per``."""

    numerator: int
    denominator: int
    per: int = 100

    def value(self, places: int = 1) -> float | None:
        """Rounded half up; None when the denominator is 0."""
        return ratio(self.numerator, self.denominator, per=self.per, places=places)


@dataclass(frozen=True)
class Suppressed:
    """A cell withheld in a district slice: ``<5`` (a small count) or ``[c]`` (to protect one)."""

    display: str


# A cell: a count, a rate, a plain number (days), text, missing (None) or suppressed.
Cell = int | float | Rate | str | Suppressed | None
Kind = Literal["label", "count", "pct", "rate", "number", "text"]


@dataclass(frozen=True)
class Column:
    """One column: its full header (spreadsheet, CSV), and for the PDF a group and a sub-header.

    Attributes:
        current: the current quarter's column, printed bold.
    """

    header: str
    kind: Kind = "count"
    group: str | None = None
    sub: str | None = None
    current: bool = False


@dataclass
class ReportTable:
    """A table with its publication metadata (the gptables idea: metadata on the table object)."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    source: str = ""
    notes: list[str] = field(default_factory=list)
    total_row: bool = False
    section: Literal["headline", "referrals", "other"] = "other"

    def text(self, row: int, col: int) -> str:
        """A cell as the PDF and HTML print it."""
        return format_cell(self.rows[row][col], self.columns[col].kind)


def format_cell(cell: Cell, kind: Kind = "count") -> str:
    """Print form: counts with thousands separators, whole percents half up, ``–`` for nothing."""
    if isinstance(cell, Suppressed):
        return cell.display
    if cell is None:
        return DASH
    if isinstance(cell, Rate):
        value = cell.value(places=0 if cell.per == 100 else 1)
        if value is None:
            return DASH
        return f"{value:.0f}%" if cell.per == 100 else f"{value:,.1f}"
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, float):
        return f"{cell:,.0f}" if cell.is_integer() else f"{cell:,.1f}"
    return str(cell)


def data_value(cell: Cell) -> int | float | str | None:
    """A cell as the spreadsheet and CSV store it: numbers as numbers (rates to one decimal)."""
    if isinstance(cell, Suppressed):
        return cell.display
    if isinstance(cell, Rate):
        return cell.value(places=1)
    return cell


@dataclass
class SourceFile:
    """A loaded file the report's figures come from."""

    source: str
    file_name: str
    sha256: str
    loaded_at: datetime
    rows_loaded: int
    rows_skipped: int
    repairs: dict[str, int]
    periods: list[str]


@dataclass
class Chart:
    """A line chart over quarters: series name -> values (None where there is nothing)."""

    key: str
    title: str
    categories: list[str]
    series: dict[str, list[float | None]]
    y_label: str
    description: str = ""


@dataclass
class Report:
    """Everything one quarterly report (county or a district slice) shows."""

    title: str
    subtitle: str
    quarter: str
    partnership: str
    author: str
    produced_at: datetime
    area: str | None
    headline: ReportTable
    tables: list[ReportTable]
    charts: list[Chart]
    commentary: list[str]
    statements: list[str]
    quality: list[str]
    sources: list[SourceFile]
    definitions: list[tuple[str, str]]
    notes: dict[str, str] = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    suppressed: bool = False

    @property
    def all_tables(self) -> list[ReportTable]:
        """The headline table then the others, in report order."""
        return [self.headline, *self.tables]

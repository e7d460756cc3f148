"""The report as data: tables that carry their own metadata, drawn by every renderer.

A :class:`ReportTable` knows its title, source, notes, columns and cells; the PDF, the
spreadsheet, the HTML and the CSVs are all drawn from the same objects, so they cannot
disagree. Its cells (percentages as numerator and denominator, changes as the two figures
they compare, withheld and revised figures) and how each is printed and stored are in
:mod:`dasv.report.cells`; a table stores its rows with :meth:`ReportTable.data_rows`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dasv.measures.coverage import export_title
from dasv.measures.status import OK, Missing, status_of
from dasv.report.cells import (
    CHANGE_PARTS,
    Cell,
    Change,
    IntervalCell,
    Kind,
    Rate,
    Revised,
    Suppressed,
    Variation,
    format_cell,
    rate_interval_of,
)


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

    def footnote(self) -> str:
        """Source and notes as the sentences printed under the table."""
        parts = [t.strip().rstrip(".") for t in [self.source, *self.notes] if t and t.strip()]
        return ". ".join(parts) + "." if parts else ""

    def text(self, row: int, col: int) -> str:
        """A cell as the PDF, HTML, terminal and Prefect artifacts print it."""
        return format_cell(self.rows[row][col], self.columns[col].kind)

    def data_headers(self, machine: bool = False) -> list[str]:
        """The spreadsheet's (or, with ``machine``, the CSV's) headers.

        A change column splits into its numbers; an interval column into its two limits; every
        percentage or rate column is followed by its 95% interval's limits.
        """
        return [machine_header if machine else header for column in self.columns
                for machine_header, header in _parts(column)]  # fmt: skip

    def data_rows(self) -> list[list[Cell]]:
        """Rows as the spreadsheet and CSV store them: numbers stay numbers, changes and intervals split.

        Rates and counts are left as cells (each renderer writes them with :func:`data_value`
        or its own shorthand); a change becomes its numbers, an interval its limits (one decimal).
        """
        return [
            [part for cell, column in zip(row, self.columns, strict=True) for part in _split(cell, column)]
            for row in self.rows
        ]

    def row_status(self, row: int) -> str:
        """``ok``, or each figure of the row that has no value with its status (the CSV's status column).

        E.g. ``IDVA referrals 2025-26 Q1: not supplied; Repeat referrals 2025-26 Q1: not supplied``.
        """
        parts = [f"{column.header}: {status_of(_bare(cell))}"
                 for cell, column in zip(self.rows[row], self.columns, strict=True)
                 if status_of(_bare(cell)) != OK]  # fmt: skip
        parts += _why_empty(self.rows[row], self.columns)
        return "; ".join(parts) or OK

    def missing(self) -> list[Missing]:
        """Every figure of the table that has no value."""
        return [_bare(c) for row in self.rows for c in row if isinstance(_bare(c), Missing)]

    def data_kinds(self) -> list[Kind]:
        """The kind of each data column (the parts of a change or an interval are numbers)."""
        out: list[Kind] = []
        for column in self.columns:
            n = len(_parts(column))
            out += [column.kind] + ["number"] * (n - 1) if column.kind in ("pct", "rate") else (
                ["number"] * n if n > 1 else [column.kind])  # fmt: skip
        return out


def _why_empty(row: list[Cell], columns: list[Column]) -> list[str]:
    """Why each empty data part of a row whose figure is not missing is empty: never ``ok`` beside an empty value.

    E.g. ``change_points: not applicable (a count)``, ``Engagement % 2025-26 Q3: no denominator (0)``.
    """
    reasons: dict[str, list[str]] = {}
    for cell, column in zip(row, columns, strict=True):
        bare = _bare(cell)
        if isinstance(bare, Missing):
            continue  # its status says why
        for (header, _), part in zip(_parts(column), _split(cell, column), strict=True):
            if part is None or (isinstance(part, Rate) and part.value() is None):
                reasons.setdefault(_empty_reason(bare, column, header), []).append(header)
    return [f"{', '.join(headers)}: {reason}" for reason, headers in reasons.items()]


def _empty_reason(cell: Cell, column: Column, header: str) -> str:
    """The words for one empty part of a figure that has a status of ``ok``."""
    if isinstance(cell, Rate) and cell.denominator == 0:
        return "no denominator (0)"
    if isinstance(cell, Change):
        if not cell.comparable:
            return "no change (one of the two figures is withheld or has no value)"
        if cell.is_points:
            return "not applicable (a percentage: see change_points)"
        if header == "change_points":
            return "not applicable (a count: see change)"
        return "no percentage change from 0"
    if cell is None and column.kind == "variation":
        return "no SPC chart of this measure"
    if cell is None and column.kind == "change":
        return "no change shown for this measure"
    if isinstance(cell, Suppressed):
        return "withheld"
    if column.kind in ("interval", "pct", "rate"):
        return "no interval"
    return "not applicable"


def _bare(cell: Cell) -> Cell:
    """A cell without its ``[r]`` mark."""
    return cell.cell if isinstance(cell, Revised) else cell


def _parts(column: Column) -> list[tuple[str, str]]:
    """(CSV header, spreadsheet header) of each data column one column becomes."""
    h = column.header
    if column.kind == "change":
        return CHANGE_PARTS
    if column.kind == "interval":
        return [(f"{h} lower", f"{h} lower"), (f"{h} upper", f"{h} upper")]
    if column.kind in ("pct", "rate"):
        return [(h, h), (f"{h} 95% lower", f"{h} 95% lower"), (f"{h} 95% upper", f"{h} 95% upper")]
    return [(h, h)]


def _split(cell: Cell, column: Column) -> list[Cell]:
    """One cell as its data columns (see :func:`_parts`)."""
    if isinstance(cell, Revised):
        return _split(cell.cell, column)
    if column.kind == "change":
        parts = cell.parts() if isinstance(cell, Change) else dict.fromkeys(k for k, _ in CHANGE_PARTS)
        return [parts[key] for key, _ in CHANGE_PARTS]
    if column.kind == "interval":
        return list(cell.limits()) if isinstance(cell, IntervalCell) else [cell, cell]
    if column.kind == "variation":
        return [cell.text() if isinstance(cell, Variation) else cell]
    if column.kind in ("pct", "rate"):
        if isinstance(cell, Rate):
            interval = rate_interval_of(cell)
            limits = IntervalCell(interval, column.kind).limits() if interval else (None, None)
            return [cell, *limits]
        return [cell, cell, cell] if isinstance(cell, Suppressed | Missing) else [cell, None, None]
    return [cell]


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

    @property
    def title(self) -> str:
        """The kind of export, named as the data coverage table beside it names it (not the warehouse's key)."""
        return export_title(self.source)


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
class BarChart:
    """Horizontal bars of one period, largest first: (label, value, the value as the table prints it)."""

    key: str
    title: str
    bars: list[tuple[str, float, str]]
    x_label: str
    description: str = ""


@dataclass
class SpcChart:
    """An XmR chart (or a run chart below 12 months) of one monthly series."""

    key: str
    title: str
    result: object  # dasv.measures.spc.SpcResult
    y_label: str
    description: str = ""


@dataclass
class FunnelChart:
    """A funnel plot: each area's rate against its population, limits around the county rate.

    Attributes:
        highlight: the area a slice marks (its own district); None in the county report.
    """

    key: str
    title: str
    funnel: object  # dasv.measures.funnel.Funnel
    x_label: str
    y_label: str
    description: str = ""
    highlight: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # area -> how the document prints it
    point_label: str = "District"  # the legend's words for a point and the centre line (the partnership's)
    centre_label: str = "County rate"


@dataclass
class Section:
    """A further section of a report (e.g. the year-ending figures), drawn after the trends."""

    key: str
    title: str
    intro: list[str] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


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
    sections: list[Section] = field(default_factory=list)
    # tables of the data-quality section (the coverage of each source), drawn before the source files
    quality_tables: list[ReportTable] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)  # what produced it (dasv.provenance): Data quality
    threshold: int = 5  # the disclosure rule's threshold (dasv.rule words every statement of it)
    # None: a protected edition; "OFFICIAL-SENSITIVE": the restricted edition (every page, title, file name)
    classification: str | None = None
    words: object = None  # the partnership's dasv.config.Words (the glossary's "district", "county")

    @property
    def banner(self) -> str:
        """The line under the title stating how the report is protected (or that it is not)."""
        from dasv.rule import banner, restricted_banner

        return (
            restricted_banner() if self.classification else banner(self.threshold) if self.suppressed else ""
        )

    # the monthly values the SPC charts plot (dasv.report.monthly), drawn after the charts
    chart_tables: list[ReportTable] = field(default_factory=list)

    @property
    def all_tables(self) -> list[ReportTable]:
        """The headline table, the others, the charts' values, each further section's, then data quality's."""
        return [self.headline, *self.tables, *self.chart_tables, *(t for s in self.sections for t in s.tables),
                *self.quality_tables]  # fmt: skip

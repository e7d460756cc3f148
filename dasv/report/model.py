"""The report as data: tables that carry their own metadata, drawn by every renderer.

A :class:`ReportTable` knows its title, source, notes, columns and cells; the PDF, the
spreadsheet, the HTML and the CSVs are all drawn from the same objects, so they cannot
disagree. Percentages are kept as numerator and denominator (:class:`Rate`), changes as
the two figures they compare (:class:`Change`), and both are rounded only when shown:
whole percent (and whole points), half up, in the PDF, HTML, terminal and Prefect
artifacts (:func:`format_cell`); one decimal in the spreadsheet, CSV and JSON
(:func:`data_value`, :meth:`ReportTable.data_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import Literal

from dasv.measures.rates import exact_ratio, ratio, round_half_up
from dasv.measures.status import OK, Missing, status_of

DASH = "–"


@dataclass(frozen=True)
class Rate:
    """A rate kept as its counts: ``numerator / denominator * per``."""

    numerator: int
    denominator: int
    per: int = 100
    places: int | None = None  # printed decimals when not the default (see :func:`printed_places`)

    def value(self, places: int = 1) -> float | None:
        """Rounded half up; None when the denominator is 0."""
        return ratio(self.numerator, self.denominator, per=self.per, places=places)

    def exact(self) -> Fraction | None:
        """The unrounded rate; None when the denominator is 0."""
        return exact_ratio(self.numerator, self.denominator, per=self.per)

    def shown_places(self) -> int:
        """Decimals it prints with: whole percent, one decimal for a rate per 1,000, unless set."""
        return self.places if self.places is not None else (0 if self.per == 100 else 1)


def printed_places(now: Rate, before: Rate) -> int:
    """Decimals at which two percentages print so that their printed difference is the change printed.

    Whole percent unless the whole-percent figures would disagree with the change (80.4% and
    76.5% print as 80% and 77%: 3 points apart, but the change is 3.9, rounded 4): then one decimal.
    """
    now_exact, before_exact = now.exact(), before.exact()
    if now_exact is None or before_exact is None:
        return 0
    whole = round_half_up(now_exact, 0) - round_half_up(before_exact, 0)
    return 0 if round_half_up(now_exact - before_exact, 0) == whole else 1


def printed_pair(now: Cell, before: Cell) -> tuple[Cell, Cell]:
    """Two percentages as a row or sentence prints them beside their change (:func:`printed_places`)."""
    if isinstance(now, Rate) and isinstance(before, Rate) and now.per == before.per == 100:
        places = printed_places(now, before)
        if places:
            return replace(now, places=places), replace(before, places=places)
    return now, before


def points_difference(now: Rate, before: Rate, places: int) -> float:
    """The change in points as printed: the difference of the two rates as printed at ``places``.

    One path for the table, the statement, the spreadsheet and the CSV, so the change printed is
    always the arithmetic on the figures printed beside it.
    """
    shown = round_half_up(now.exact(), places) - round_half_up(before.exact(), places)  # type: ignore[arg-type]
    return _no_minus_zero(round(shown, places))


@dataclass(frozen=True)
class Suppressed:
    """A withheld cell: the small-count marker (``<5`` at threshold 5) or ``[c]`` (to protect one)."""

    display: str


@dataclass(frozen=True)
class Change:
    """The change from ``before`` to ``now`` of one measure: two counts, or two rates.

    Computed exactly from the counts and rounded once, for display: a count's change is
    ``-40 (-8%)``, a percentage's ``-4 points`` (the difference of the exact rates, so
    287/375 against 361/446 is -3.96 points, shown -4, never 77% - 81%).
    """

    now: object
    before: object

    @property
    def comparable(self) -> bool:
        """Both figures are shown and of the same kind."""
        if isinstance(self.now, Rate) and isinstance(self.before, Rate):
            return self.now.exact() is not None and self.before.exact() is not None
        return _is_count(self.now) and _is_count(self.before)

    @property
    def is_points(self) -> bool:
        """A change of a percentage, in percentage points."""
        return isinstance(self.now, Rate)

    def difference(self) -> Fraction | None:
        """``now - before`` exactly (percentage points for rates)."""
        if not self.comparable:
            return None
        if self.is_points:
            return self.now.exact() - self.before.exact()  # type: ignore[union-attr, operator]
        return Fraction(self.now) - Fraction(self.before)  # type: ignore[arg-type]

    def percent(self) -> Fraction | None:
        """The relative change of a count, in percent; None for rates or from 0."""
        if not self.comparable or self.is_points or not self.before:
            return None
        return exact_ratio(self.now - self.before, self.before)  # type: ignore[operator]

    def parts(self) -> dict[str, float | int | None]:
        """The numbers the spreadsheet and CSV store (one decimal), keyed by :data:`CHANGE_PARTS`."""
        diff, pct = self.difference(), self.percent()
        if diff is None:
            return {"change": None, "change_pct": None, "change_points": None}
        if self.is_points:  # the difference of the two rates as stored (one decimal)
            return {
                "change": None,
                "change_pct": None,
                "change_points": points_difference(self.now, self.before, 1),
            }
        return {
            "change": int(diff),
            "change_pct": None if pct is None else _no_minus_zero(round_half_up(pct, 1)),
            "change_points": None,
        }

    def text(self, places: int = 0) -> str:
        """``-40 (-8%)``, ``+4 (+2%)``, ``+3`` (from 0), ``-4 points``, or ``–`` when not comparable.

        Args:
            places: decimals of the percentage and points (the year-ending statements use 1).
        """
        diff = self.difference()
        if diff is None:
            return DASH
        if self.is_points:  # the difference of the rates as printed beside it
            places = max(places, self.now.shown_places(), self.before.shown_places())  # type: ignore[union-attr]
            shown = points_difference(self.now, self.before, places)  # type: ignore[arg-type]
            return f"{_signed(shown, places)} point{'' if abs(shown) == 1 else 's'}"
        pct = self.percent()
        return f"{_signed(int(diff))}" + (
            "" if pct is None else f" ({_signed(round_half_up(pct, places), places)}%)"
        )


# The spreadsheet and CSV columns a Change column becomes: (CSV header, spreadsheet header).
CHANGE_PARTS = [
    ("change", "Change"),
    ("change_pct", "Change %"),
    ("change_points", "Change (percentage points)"),
]


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _no_minus_zero(value: float) -> float:
    return 0.0 if value == 0 else value


def _signed(value: float, places: int = 0) -> str:
    """``+4``, ``-40``, ``+7.7``, ``0`` with thousands separators (a rounded zero has no sign)."""
    value = _no_minus_zero(value)
    return "0" if value == 0 else f"{value:+,.{places}f}"


# A cell: a count, a rate, a change, an interval, a variation, a plain number (days), text,
# missing (None) or suppressed.
Cell = object
Kind = Literal["label", "count", "pct", "rate", "number", "text", "change", "interval", "variation"]


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


def rate_interval_of(rate: Rate):
    """The 95% interval of a rate cell: Wilson for a percentage, Byar (scaled) for a rate per 1,000."""
    from dasv.measures.intervals import rate_interval, wilson

    if not rate.denominator:
        return None
    if rate.per == 100:
        return wilson(rate.numerator, rate.denominator)
    return rate_interval(rate.numerator, rate.denominator, rate.per)


@dataclass(frozen=True)
class Revised:
    """A figure that differs from what was first published for its quarter: printed with ``[r]``."""

    cell: object
    first_published: datetime


@dataclass(frozen=True)
class IntervalCell:
    """A 95% interval printed beside a figure: ``434–520``, ``72–81%`` or ``4.1–4.4``."""

    interval: object  # dasv.measures.intervals.Interval
    kind: str = "count"

    def limits(self) -> tuple[float, float]:
        """The lower and upper limits as stored (one decimal, half up)."""
        return round_half_up(self.interval.lower, 1), round_half_up(self.interval.upper, 1)

    def text(self) -> str:
        """Whole numbers for counts and percentages, one decimal for rates."""
        places = 1 if self.kind == "rate" else 0
        low, high = (round_half_up(x, places) for x in (self.interval.lower, self.interval.upper))
        suffix = "%" if self.kind == "pct" else ""
        return f"{low:,.{places}f}–{high:,.{places}f}{suffix}"


@dataclass(frozen=True)
class Variation:
    """The latest month's SPC summary of a series: words (and, where drawn, an icon)."""

    signal: str | None
    points: int
    words: str | None = None  # the change's one verdict (dasv.report.verdict), when it has one

    def text(self) -> str:
        """The verdict's words (``Real fall``), else ``Common cause``, ``Special cause – higher`` ... ."""
        if self.words:
            return self.words
        if self.signal is None:
            return f"Too few months (n = {self.points})"
        return {"common_cause": "Common cause", "special_cause_higher": "Special cause – higher",
                "special_cause_lower": "Special cause – lower"}[self.signal]  # fmt: skip


def format_cell(cell: Cell, kind: Kind = "count") -> str:
    """Print form: counts with thousands separators, whole percents half up, ``–`` for nothing.

    A figure with no value prints its status (``not supplied``, ``not recorded``, ``incomplete``).
    """
    if isinstance(cell, Revised):
        return f"{format_cell(cell.cell, kind)} [r]"
    if isinstance(cell, Suppressed):
        return cell.display
    if isinstance(cell, Missing):
        return cell.status
    if cell is None:
        return DASH
    if isinstance(cell, Change | IntervalCell | Variation):
        return cell.text()
    if isinstance(cell, Rate):
        places = cell.shown_places()
        value = cell.value(places=places)
        if value is None:
            return DASH
        return f"{value:.{places}f}%" if cell.per == 100 else f"{value:,.{places}f}"
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, float):
        return f"{cell:,.0f}" if cell.is_integer() else f"{cell:,.1f}"
    return str(cell)


def data_value(cell: Cell) -> int | float | str | None:
    """A cell as the spreadsheet and CSV store it: numbers as numbers (rates to one decimal)."""
    if isinstance(cell, Revised):  # the table's notes say which quarters are revised
        return data_value(cell.cell)
    if isinstance(cell, Suppressed):
        return cell.display
    if isinstance(cell, Missing):  # an empty cell; the row's status says why
        return None
    if isinstance(cell, Rate):
        return cell.value(places=1)
    if isinstance(cell, Change):
        raise TypeError("a change is stored as its parts: use ReportTable.data_rows()")
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

"""The cells of the report: a figure as every output prints and stores it.

Percentages are kept as numerator and denominator (:class:`Rate`), changes as the two figures
they compare (:class:`Change`), and both are rounded only when shown: whole percent (and whole
points), half up, in the PDF, HTML, terminal and Prefect artifacts (:func:`format_cell`); one
decimal in the spreadsheet, CSV and JSON (:func:`data_value`). A withheld figure is
:class:`Suppressed`, a revised one :class:`Revised`; a figure with nothing behind it is a
``Missing`` of dasv.measures.status. The tables that hold them are in :mod:`dasv.report.model`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Literal

from dasv.measures.rates import exact_ratio, ratio, round_half_up
from dasv.measures.status import Missing

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

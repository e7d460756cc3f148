"""Small-number suppression for district slices: primary and secondary.

Primary: every published count from 1 to ``threshold - 1`` is shown as ``<5`` (for the
default threshold of 5), totals included.

Secondary: a table of districts (rows) by categories (columns) is published with its
totals: the county figure of each column and, where the table has one, a total of each
row. A reader holding every slice knows every published cell and total. For each line
(a row or a column with its total) we work out, for every withheld cell in it, the range
of values consistent with the line's equation and with what the markers say: ``<5`` is 1
to 4, ``[c]`` says nothing (0 or more). While a line pins some withheld cell to a single
value, one more cell of that line is withheld as ``[c]``: the smallest published cell at
or above the threshold, else the line's published total, else (a line made only of small
counts) one of its ``<5`` markers becomes ``[c]``. This repeats until no line pins any
withheld value; the property test checks the whole table exactly by linear programming.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from dasv.report.cells import Cell, Rate, Suppressed
from dasv.report.registry import Shown
from dasv.rule import SECONDARY, small_marker

COUNTY = "county"  # the county's key in a plan (beside the districts' names)
primary_marker = small_marker  # the small-count marker: ``<5`` for a threshold of 5 (dasv.rule)


@dataclass
class Grid:
    """Counts of a table: ``cells[r][c]``, its row totals and column totals (None = not published).

    The grand total (sum of all cells) is published when both kinds of totals are.
    """

    cells: list[list[int]]
    row_totals: bool = False
    col_totals: bool = True

    def augmented(self) -> list[list[int]]:
        """Cells with the totals appended: a total column and a total row where published."""
        rows = [list(r) + ([sum(r)] if self.row_totals else []) for r in self.cells]
        if self.col_totals:
            width = len(rows[0]) if rows else 0
            rows.append([sum(r[c] for r in rows) for c in range(width)])
        return rows


def suppress_grid(grid: Grid, threshold: int = 5) -> list[list[str | None]]:
    """Markers for the augmented grid (cells, then a total column/row where published).

    Returns:
        a matrix shaped like :meth:`Grid.augmented`: None to publish, ``<5`` or ``[c]``.
    """
    values = grid.augmented()
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0
    small = primary_marker(threshold)
    marks: list[list[str | None]] = [[small if 0 < v < threshold else None for v in row] for row in values]
    lines = _lines(n_rows, n_cols, grid.row_totals, grid.col_totals)
    changed = True
    while changed:
        changed = False
        for interior, total in lines:
            if _pins_a_value(values, marks, interior, total, threshold, small):
                changed |= _withhold_one_more(values, marks, interior, total, threshold, small)
        if not changed and grid.row_totals and grid.col_totals:
            for cell in pinned_cells(values, marks, lines, threshold, small)[:1]:
                touching = [line for line in lines if cell in line[0] or cell == line[1]]
                changed = any(_withhold_one_more(values, marks, *line, threshold, small) for line in touching)
    return marks


def pinned_cells(values, marks, lines, threshold: int, small: str) -> list[tuple[int, int]]:
    """Withheld cells whose value follows exactly from the whole table (linear programming)."""
    hidden = [(r, c) for r, row in enumerate(marks) for c, m in enumerate(row) if m is not None]
    if not hidden:
        return []
    index = {cell: i for i, cell in enumerate(hidden)}
    bounds = [_bounds(marks[r][c], small, threshold) for r, c in hidden]
    bounds = [(lo, None if math.isinf(hi) else hi) for lo, hi in bounds]
    a_eq, b_eq = [], []
    for interior, total in lines:
        row = np.zeros(len(hidden))
        rhs = 0.0
        for cell, sign in [*((cell, 1.0) for cell in interior), (total, -1.0)]:
            if cell in index:
                row[index[cell]] += sign
            else:
                rhs -= sign * values[cell[0]][cell[1]]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    if not a_eq:
        return []
    pinned = []
    for i, cell in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[i] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and -high.fun - low.fun < 0.5:
            pinned.append(cell)
    return pinned


def _lines(n_rows: int, n_cols: int, row_totals: bool, col_totals: bool) -> list[tuple[list, tuple]]:
    """(interior cells, total cell) of every line that has a total."""
    lines = []
    last_row, last_col = n_rows - 1, n_cols - 1
    data_rows = range(n_rows - 1 if col_totals else n_rows)
    data_cols = range(n_cols - 1 if row_totals else n_cols)
    if row_totals:
        for r in range(n_rows):  # including the total row, whose total is the grand total
            lines.append(([(r, c) for c in data_cols], (r, last_col)))
    if col_totals:
        for c in range(n_cols):  # including the total column
            lines.append(([(r, c) for r in data_rows], (last_row, c)))
    return lines


def _bounds(marker: str, small: str, threshold: int) -> tuple[float, float]:
    return (1, threshold - 1) if marker == small else (0, math.inf)


def _pins_a_value(values, marks, interior, total, threshold, small) -> bool:
    """True if the line's equation (interior cells add up to the total) pins a withheld cell."""
    hidden = [(cell, 1) for cell in interior if marks[cell[0]][cell[1]] is not None]
    rhs = -sum(values[r][c] for r, c in interior if marks[r][c] is None)
    if marks[total[0]][total[1]] is None:
        rhs += values[total[0]][total[1]]
    else:
        hidden.append((total, -1))
    if not hidden:
        return False
    # signed terms: sum(sign * x) = rhs, each x within its marker's range
    terms = []
    for (r, c), sign in hidden:
        lo, hi = _bounds(marks[r][c], small, threshold)
        terms.append((sign, lo, hi, min(sign * lo, sign * hi), max(sign * lo, sign * hi)))
    low = _SumExcept([t[3] for t in terms])
    high = _SumExcept([t[4] for t in terms])
    for i, (sign, lo, hi, _, _) in enumerate(terms):
        # sign * x = rhs - (sum of the other terms), which lies in [others_low, others_high]
        a, b = rhs - high.without(i), rhs - low.without(i)
        least, most = (a, b) if sign > 0 else (-b, -a)
        if max(lo, least) >= min(hi, most):
            return True
    return False


class _SumExcept:
    """Sums of a list leaving one item out, exact with infinite items."""

    def __init__(self, items: list[float]):
        self.items = items
        self.finite = sum(x for x in items if not math.isinf(x))
        self.pos = sum(1 for x in items if x == math.inf)
        self.neg = sum(1 for x in items if x == -math.inf)

    def without(self, i: int) -> float:
        x = self.items[i]
        pos = self.pos - (x == math.inf)
        neg = self.neg - (x == -math.inf)
        if pos:
            return math.inf
        if neg:
            return -math.inf
        return self.finite - (0 if math.isinf(x) else x)


def _withhold_one_more(values, marks, interior, total, threshold, small) -> bool:
    """Withhold one more cell of a line, least informative first; False if nothing is left."""
    tr, tc = total
    choices = [
        [(values[r][c], (r, c)) for r, c in interior if marks[r][c] is None and values[r][c] >= threshold],
        [(0, total)] if marks[tr][tc] is None and values[tr][tc] > 0 else [],
        [(0, total)] if marks[tr][tc] == small else [],
        [(-values[r][c], (r, c)) for r, c in interior if marks[r][c] == small],
        [(0, (r, c)) for r, c in interior if marks[r][c] is None],
        [(0, total)] if marks[tr][tc] is None else [],
    ]
    for options in choices:
        if options:
            _, (r, c) = min(options)
            marks[r][c] = SECONDARY
            return True
    return False


@dataclass
class SuppressionPlan:
    """Markers for every (area or county, measure, period) shown in any slice.

    A period is any hashable (a quarter, a year ending); each measure and period is one line
    of districts whose total is the county figure, planned with :func:`suppress_grid`.
    """

    threshold: int
    values: dict[tuple[str, str, Hashable], int] = field(default_factory=dict)
    marks: dict[tuple[str, str, Hashable], str] = field(default_factory=dict)

    def cell(self, area: str, measure: str, q: Hashable) -> Cell:
        """The count, or its marker when withheld."""
        mark = self.marks.get((area, measure, q))
        if mark:
            return Suppressed(mark)
        return Shown(self.values.get((area, measure, q), 0), (area, measure, q))  # a registered figure

    def shown(self, area: str, measure: str, q: Hashable) -> bool:
        """True when the count is published (an absent figure, not ``ok``, is not)."""
        return (area, measure, q) in self.values and (area, measure, q) not in self.marks

    def add_line(self, measure: str, period, by_district: dict[str, int], county_value: int) -> None:
        """Plan one line: the districts' values of a measure and period, with the county as its total."""
        column = list(by_district.values())
        marks = suppress_grid(Grid([[v] for v in column], row_totals=False, col_totals=True), self.threshold)
        for d, value, mark in zip(by_district, column, marks, strict=False):
            self.values[(d, measure, period)] = value
            if mark[0]:
                self.marks[(d, measure, period)] = mark[0]
        self.values[(COUNTY, measure, period)] = county_value
        small = primary_marker(self.threshold)
        county_mark = marks[-1][0] or (small if 0 < county_value < self.threshold else None)
        if county_mark:
            self.marks[(COUNTY, measure, period)] = county_mark

    def withhold_together(self, area: str, measures: tuple[str, ...], period) -> None:
        """Withhold every measure of a group when any is withheld (any two of them give the third)."""
        if any((area, m, period) in self.marks for m in measures):
            for m in measures:
                if (area, m, period) in self.values:  # an absent figure is not in the plan at all
                    self.marks.setdefault((area, m, period), SECONDARY)

    def rate(self, area: str, numerator: str, denominator: str, q: Hashable, per: int = 100) -> Cell:
        """A rate, only when both counts are published; otherwise withheld."""
        if not (self.shown(area, numerator, q) and self.shown(area, denominator, q)):
            return Suppressed(SECONDARY)
        num, den = (area, numerator, q), (area, denominator, q)
        return Rate(Shown(self.values[num], num), Shown(self.values[den], den), per)

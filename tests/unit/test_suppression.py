"""Suppression cannot be undone: for random district tables, no withheld value can be derived
from the published cells and totals (exact bounds by linear programming)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from dasv.report.suppress import SECONDARY, Grid, suppress_grid

THRESHOLD = 5


def recoverable_cells(grid: Grid, marks) -> list[tuple[int, int]]:
    """Withheld cells whose value is pinned by the published values, totals and marker ranges."""
    values = grid.augmented()
    n_rows, n_cols = len(values), len(values[0])
    hidden = [(r, c) for r in range(n_rows) for c in range(n_cols) if marks[r][c] is not None]
    if not hidden:
        return []
    index = {cell: i for i, cell in enumerate(hidden)}
    bounds = [(1, THRESHOLD - 1) if marks[r][c] != SECONDARY else (0, None) for r, c in hidden]
    lines = []
    data_rows = range(n_rows - 1 if grid.col_totals else n_rows)
    data_cols = range(n_cols - 1 if grid.row_totals else n_cols)
    if grid.row_totals:
        lines += [([(r, c) for c in data_cols], (r, n_cols - 1)) for r in range(n_rows)]
    if grid.col_totals:
        lines += [([(r, c) for r in data_rows], (n_rows - 1, c)) for c in range(n_cols)]
    a_eq, b_eq = [], []
    for interior, total in lines:
        row = np.zeros(len(hidden))
        rhs = 0.0
        for cell, sign in [(cell, 1.0) for cell in interior] + [(total, -1.0)]:
            if cell in index:
                row[index[cell]] += sign
            else:
                rhs -= sign * values[cell[0]][cell[1]]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    pinned = []
    for i, cell in enumerate(hidden):
        objective = np.zeros(len(hidden))
        objective[i] = 1
        low = linprog(objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
        if high.status == 0 and abs(low.fun - (-high.fun)) < 1e-6:
            pinned.append(cell)
    return pinned


count = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def grids(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 5))
    cells = [[draw(count) for _ in range(n_cols)] for _ in range(n_rows)]
    return Grid(cells, row_totals=draw(st.booleans()) and n_cols > 1, col_totals=True)


@settings(max_examples=400, deadline=None)
@given(grid=grids())
def test_no_withheld_value_can_be_derived_from_totals(grid):
    marks = suppress_grid(grid, THRESHOLD)
    values = grid.augmented()
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            if 0 < v < THRESHOLD:
                assert marks[r][c] in ("<5", "[c]"), "every count from 1 to 4 is withheld"
    assert recoverable_cells(grid, marks) == []


def test_one_small_district_forces_a_second_cell():
    """Why secondary suppression exists: county 30 minus the published 20 would reveal the 3."""
    marks = suppress_grid(Grid([[3], [20], [7]]), THRESHOLD)
    assert [m[0] for m in marks] == ["<5", None, "[c]", None]


def test_two_ones_alone_are_not_enough():
    """1 + 1 = 2 pins both: a third cell must go."""
    marks = suppress_grid(Grid([[1], [1], [9], [30]]), THRESHOLD)
    assert [m[0] for m in marks] == ["<5", "<5", "[c]", None, None]


def test_nothing_to_hide_publishes_everything():
    assert suppress_grid(Grid([[0], [12], [30]]), THRESHOLD) == [[None], [None], [None], [None]]

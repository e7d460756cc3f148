"""One CSV per report table: one header row, numbers as numbers, safe against formula injection.

Numbers are written as plain numbers (a change splits into ``change``, ``change_pct`` and
``change_points``), so no numeric cell needs a guard; text that a spreadsheet would read
as a formula gets a leading apostrophe (:func:`dasv.safe_text.safe_cell`). A figure with no
value (not supplied, not recorded, incomplete) is an empty cell, and the row's last column,
``status``, says which figures those are and why (``ok`` when every figure has a value).
"""

from __future__ import annotations

import csv
from pathlib import Path

from dasv.report.cells import data_value
from dasv.report.model import ReportTable
from dasv.safe_text import safe_cell


def csv_value(cell) -> str:
    """A data cell as CSV text: empty for nothing, numbers plain, text guarded."""
    value = data_value(cell)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    return safe_cell(str(value))


def render_csv(table: ReportTable, path: Path) -> Path:
    """Write one table. Suppressed cells keep their marker (``<5`` or ``[c]``); blanks are empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(h) for h in table.data_headers(machine=True)] + ["status"])
        for i, row in enumerate(table.data_rows()):
            writer.writerow([csv_value(cell) for cell in row] + [safe_cell(table.row_status(i))])
    return path

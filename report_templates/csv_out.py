"""One CSV per report table: one header row, numbers as numbers, safe against formula injection."""

from __future__ import annotations

import csv
from pathlib import Path

from dasv.report.model import ReportTable, data_value
from dasv.safe_text import safe_cell


def render_csv(table: ReportTable, path: Path) -> Path:
    """Write one table. Suppressed cells keep their marker (``<5`` or ``[c]``); blanks are empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([safe_cell(c.header) for c in table.columns])
        for row in table.rows:
            writer.writerow(["" if (v := data_value(cell)) is None else safe_cell(str(v)) for cell in row])
    return path

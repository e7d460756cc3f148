"""Write real test exports: xlsx through openpyxl, CSV in a chosen encoding."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

IDVA_HEADER = ["Referral ID", "Client ID", "Referral Date", "District", "Criteria Met", "Engaged"]


def write_xlsx(
    path: Path, rows: list[list], sheet: str = "Referrals", extra_sheets: dict | None = None
) -> Path:
    """A workbook with ``rows`` on ``sheet`` (first), then any ``extra_sheets``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for name, extra_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra_rows:
            other.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def idva_rows(n: int = 3, start: int = 1, day: str = "03/10/2025", district: str = "Fenland") -> list[list]:
    """``n`` plain valid IDVA rows."""
    return [[f"R{i}", f"C{i}", day, district, "Y", "Y"] for i in range(start, start + n)]


def sample_fact_counts() -> tuple[int, int, int]:
    """(IDVA referrals, MARAC cases, police months) the sample inbox holds."""
    from dasv.sample.generate import idva_referrals, marac_cases
    from dasv.sample.police import police_counts

    return len(idva_referrals()), len(marac_cases()), len(police_counts())

"""MARAC case list (record level, inbox ``marac/``): the row rules of docs/adopting.md."""

from __future__ import annotations

from datetime import date

from dasv.loaders.rules import EARLIEST, Report, RowRules

SOURCE = "marac"


class MaracRules(RowRules):
    """Case ID unique in the file; heard on or after referral; no future referrals."""

    def __init__(self, today: date):
        super().__init__(today)
        self.seen: dict[str, int] = {}

    def check(self, row: dict, row_number: int, report: Report) -> None:
        """Apply the MARAC rules to one parsed row."""
        self.check_unique("case_ref", "Case ID", row, row_number, report, self.seen)
        self.check_not_future("referral_date", row, report)
        if row.get("hearing_date") is not None and row["hearing_date"] < EARLIEST:
            report(
                "hearing_date", f"{row['hearing_date']:%d/%m/%Y} is before 1990", "a hearing date from 1990"
            )
        heard, referred = row.get("hearing_date"), row["referral_date"]
        if heard is not None and referred is not None and heard < referred:
            report(
                "hearing_date",
                f"heard {heard:%d/%m/%Y}, before the referral on {referred:%d/%m/%Y}",
                "a hearing date on or after the referral date",
            )

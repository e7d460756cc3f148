"""IDVA referral export (record level, inbox ``idva/``): the row rules of INPUTS.md."""

from __future__ import annotations

from datetime import date

from loaders.rules import Report, RowRules

SOURCE = "idva"


class IdvaRules(RowRules):
    """Engaged only when criteria met; Referral ID unique in the file; no future referrals."""

    blank_allowed = frozenset({"engaged"})

    def __init__(self, today: date):
        super().__init__(today)
        self.seen: dict[str, int] = {}

    def check(self, row: dict, row_number: int, report: Report) -> None:
        """Apply the IDVA rules to one parsed row (may fill in Engaged = N)."""
        self.check_unique("referral_ref", "Referral ID", row, row_number, report, self.seen)
        self.check_not_future("referral_date", row, report)
        if row["engaged"] is None:
            if row["criteria_met"]:
                report("engaged", "blank although criteria were met", "Y or N")
            row["engaged"] = False
        elif row["engaged"] and row["criteria_met"] is False:
            report(
                "engaged",
                "Y (engaged) although Criteria Met is N",
                "Engaged to be N when the referral did not meet criteria",
            )

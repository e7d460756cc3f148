"""IDVA referral export (record level, inbox ``idva/``): the row rules of docs/adopting.md."""

from __future__ import annotations

from datetime import date

from dasv.loaders.rules import EARLIEST, Report, RowRules

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

    def check_columns(self, data: dict[str, list], row_numbers: list[int]) -> bool:
        """The same rules over whole columns: False at the first problem (the row reader words it)."""
        refs = data["referral_ref"]
        if len(set(refs)) != len(refs):
            return False
        days = set(data["referral_date"]) - {None}
        if days and (min(days) < EARLIEST or max(days) > self.today):
            return False
        engaged, criteria = data["engaged"], data["criteria_met"]
        if any((e is None and c) or (e and c is False) for e, c in zip(engaged, criteria, strict=True)):
            return False
        data["engaged"] = [False if e is None else e for e in engaged]
        return True

"""The shape every source's row rules share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

# report(field, what is wrong, what was expected)
Report = Callable[[str, str, str], None]
EARLIEST = date(1990, 1, 1)  # before the services existed: a typing slip, not a referral


class RowRules:
    """Cross-column and cross-row checks for one source, applied to each parsed row.

    Attributes:
        blank_allowed: required fields a row may leave blank (the rules decide what it means).
    """

    blank_allowed: frozenset[str] = frozenset()

    def __init__(self, today: date):
        self.today = today

    def check(self, row: dict, row_number: int, report: Report) -> None:
        """Check one parsed row; call ``report`` for each problem."""
        raise NotImplementedError

    def check_columns(self, data: dict[str, list], row_numbers: list[int]) -> bool:
        """Check whole columns (the column reader's path); False at the first problem.

        Fills in what ``check`` fills in. This default runs ``check`` row by row; a source with
        big files overrides it with whole-column checks.
        """
        from dasv.loaders.columnar import columns_of, rows_of

        rows = rows_of(data)
        found = []

        def report(_field: str, _what: str, _expected: str) -> None:
            found.append(True)

        for row, number in zip(rows, row_numbers, strict=True):
            self.check(row, number, report)
            if found:
                return False
        data.update(columns_of(rows))
        return True

    def check_unique(
        self, field: str, label: str, row: dict, row_number: int, report: Report, seen: dict
    ) -> None:
        """Refuse an ID already used on an earlier row of the file."""
        key = row[field]
        if key in seen:
            report(field, f"{label} {key!r} repeats row {seen[key]}", f"each {label} once per file")
        else:
            seen[key] = row_number

    def check_not_future(self, field: str, row: dict, report: Report) -> None:
        """Refuse a date after the day of the load, or before 1990."""
        value = row.get(field)
        if value is not None and value < EARLIEST:
            report(field, f"{value:%d/%m/%Y} is before 1990", "a date from 1990 up to the day of this load")
        elif value is not None and value > self.today:
            report(
                field,
                f"{value:%d/%m/%Y} is in the future",
                f"a date on or before {self.today:%d/%m/%Y}, the day of this load",
            )

"""Police monthly DA counts and DA crimes by offence group (aggregate, inbox ``police/``): the row rules of docs/adopting.md."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from dasv.loaders.rules import EARLIEST, Report, RowRules

if TYPE_CHECKING:  # the loaders read the deployment they are given: no import of dasv.config
    from dasv.config import Deployment

SOURCE = "police"


class PoliceRules(RowRules):
    """One row per month and district; districts only; no month that has not started."""

    def __init__(self, today: date, deployment: Deployment):
        super().__init__(today)
        self.districts = {a.name for a in deployment.districts}
        self.district_list = ", ".join(a.name for a in deployment.districts)
        self.seen: dict[tuple[date, str], int] = {}

    def check(self, row: dict, row_number: int, report: Report) -> None:
        """Apply the police rules to one parsed row."""
        month, area = row["month"], row["area"]
        if area not in self.districts:
            report("area", f"{area!r} is not a district", f"one of {self.district_list}")
        if month < EARLIEST:
            report("month", f"{month:%B %Y} is before 1990", "a month from 1990 up to the current one")
        elif month > self.today.replace(day=1):
            report("month", f"{month:%B %Y} has not started yet", "a month up to the current one")
        crimed, incidents = row.get("crimed_incidents"), row.get("da_incidents")
        if crimed is not None and incidents is not None and crimed > incidents:
            report(
                "crimed_incidents",
                f"{crimed:,} incidents crimed is more than the row's {incidents:,} DA incidents",
                "at most the DA incidents of the same month and district",
            )
        key = (month, area)
        if key in self.seen:
            report(
                "area",
                f"{month:%B %Y} for {area} repeats row {self.seen[key]}",
                "one row per month and district",
            )
        else:
            self.seen[key] = row_number


class OffenceGroupRules(RowRules):
    """One row per month, district and offence group; districts only; no month that has not started."""

    def __init__(self, today: date, deployment: Deployment):
        super().__init__(today)
        self.months = PoliceRules(today, deployment)
        self.seen: dict[tuple[date, str, str], int] = {}

    def check(self, row: dict, row_number: int, report: Report) -> None:
        """Apply the offence-group rules to one parsed row."""
        month, area, group = row["month"], row["area"], row["offence_group"]
        if area not in self.months.districts:
            report("area", f"{area!r} is not a district", f"one of {self.months.district_list}")
        if month < EARLIEST:
            report("month", f"{month:%B %Y} is before 1990", "a month from 1990 up to the current one")
        elif month > self.today.replace(day=1):
            report("month", f"{month:%B %Y} has not started yet", "a month up to the current one")
        key = (month, area, group)
        if key in self.seen:
            report(
                "offence_group",
                f"{group} in {month:%B %Y} for {area} repeats row {self.seen[key]}",
                "one row per month, district and offence group",
            )
        else:
            self.seen[key] = row_number

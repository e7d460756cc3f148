"""Monthly series of every count the report shows, from the same facts (docs/statistics.md).

For the 24 months ending with a quarter: IDVA referrals, criteria met, engaged and repeats
(by referral month); MARAC referrals (referral month) and cases heard (hearing month);
police DA incidents and crimes. A month is in a source's series only when a load of that
source covers it (a covered month with no record is 0; an uncovered month is absent);
IDVA and MARAC loads cover whole quarters, police loads months. The county's police value
of a month needs every district's row for it, the reporting area's every one of its own.

IDVA and MARAC counts are read from ``monthly_count``, which every load keeps current with
the same definitions as the quarter's measures (``warehouse/monthly.py``); police counts
from their monthly facts. One query per source serves every area, so 300 districts cost no
more queries than six.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from dasv.config import Deployment
from dasv.quarters import Quarter, month_label
from dasv.warehouse.models import AreaDim, LoadBatch, LoadCoverage, MonthlyCount, PoliceMonth

WINDOW_MONTHS = 24
COUNTY, REPORTING = "county", "reporting_area"
SOURCE_OF = {
    "idva.total_referrals": "idva", "idva.criteria_met": "idva", "idva.engaged": "idva", "idva.repeats": "idva",
    "marac.referrals": "marac", "marac.cases_heard": "marac",
    "police.da_incidents": "police", "police.da_crimes": "police",
}  # fmt: skip
MEASURES = tuple(SOURCE_OF)


def window(quarter: Quarter, n: int = WINDOW_MONTHS) -> list[date]:
    """The first days of the ``n`` months ending with the quarter's last month, oldest first."""
    last = quarter.months[-1]
    index = last.year * 12 + last.month - 1
    return [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(n - 1, -1, -1)]


@dataclass
class MonthlySeries:
    """Values by (measure, area, month label); the months each source covers."""

    months: list[str]
    covered: dict[str, list[str]]
    values: dict[tuple[str, str, str], int]

    def series(self, measure: str, area: str = COUNTY) -> tuple[list[str], list[int]]:
        """The covered months of a measure and the area's value in each (absent months left out)."""
        months = [m for m in self.covered[SOURCE_OF[measure]] if (measure, area, m) in self.values]
        return months, [self.values[(measure, area, m)] for m in months]

    def rows(self) -> list[dict]:
        """One row per (month, measure, area, value), in month, measure, area order."""
        order = {m: i for i, m in enumerate(MEASURES)}
        covered = {s: set(m) for s, m in self.covered.items()}
        keys = sorted((k for k in self.values if k[2] in covered[SOURCE_OF[k[0]]]),
                      key=lambda k: (k[2], order[k[0]], k[1] != COUNTY, k[1]))  # fmt: skip
        return [{"month": m, "measure": measure, "area": area, "value": self.values[(measure, area, m)]}
                for measure, area, m in keys]  # fmt: skip


def covered_months(conn: Connection, months: list[date]) -> dict[str, list[str]]:
    """The months of the window each source's live loads cover."""
    labels = [month_label(m) for m in months]
    quarters = {Quarter.containing(m).label: Quarter.containing(m) for m in months}
    periods = conn.execute(
        select(LoadBatch.source, LoadCoverage.period)
        .join(LoadBatch, LoadBatch.id == LoadCoverage.batch_id)
        .where(LoadCoverage.superseded_by.is_(None), LoadCoverage.period.in_([*labels, *quarters]))
        .distinct()
    ).all()
    out: dict[str, set[str]] = {"idva": set(), "marac": set(), "police": set()}
    for source, period in periods:
        if source == "police":
            out["police"].add(period)
        elif source in out and period in quarters:
            out[source] |= {month_label(m) for m in quarters[period].months}
    return {s: [m for m in labels if m in found] for s, found in out.items()}


def monthly_series(
    conn: Connection, deployment: Deployment, quarter: Quarter, n: int = WINDOW_MONTHS
) -> MonthlySeries:
    """Every measure's monthly values for the county, each district and the police reporting area."""
    months = window(quarter, n)
    covered = covered_months(conn, months)
    start = months[0]
    districts = [a.name for a in deployment.districts]
    values: dict[tuple[str, str, str], int] = {}

    def add(measure: str, area: str, month: str, value: int) -> None:
        values[(measure, area, month)] = values.get((measure, area, month), 0) + int(value or 0)

    # IDVA and MARAC counts are stored by month as they are loaded (warehouse/monthly.py)
    for measure, area, day, value in conn.execute(
        select(MonthlyCount.measure, AreaDim.name, MonthlyCount.month, MonthlyCount.value)
        .join(AreaDim, AreaDim.id == MonthlyCount.area_id)
        .where(MonthlyCount.month >= start, MonthlyCount.month <= months[-1])
    ):
        for who in (area, COUNTY):
            add(measure, who, month_label(day), value)
    police_rows = conn.execute(
        select(AreaDim.name, PoliceMonth.month, PoliceMonth.da_incidents, PoliceMonth.da_crimes)
        .join(AreaDim, AreaDim.id == PoliceMonth.area_id)
        .where(PoliceMonth.month >= start, PoliceMonth.month <= months[-1])
    ).all()
    present: dict[str, set[str]] = {}
    for area, day, incidents, crimes in police_rows:
        label = month_label(day)
        present.setdefault(label, set()).add(area)
        add("police.da_incidents", area, label, incidents)
        add("police.da_crimes", area, label, crimes)
    scopes = [(COUNTY, districts)]
    if deployment.police_reporting_area:
        scopes.append((REPORTING, deployment.police_reporting_area.districts))
    for label, areas in present.items():
        for scope, members in scopes:
            if set(members) <= areas:  # a short county month is left out, never a short total
                for measure in ("police.da_incidents", "police.da_crimes"):
                    values[(measure, scope, label)] = sum(values[(measure, d, label)] for d in members)
    # a covered month with no record is 0, for the county and every district
    for measure, source in SOURCE_OF.items():
        if source == "police":
            continue
        for label in covered[source]:
            for who in (COUNTY, *districts):
                values.setdefault((measure, who, label), 0)
    return MonthlySeries([month_label(m) for m in months], covered, values)

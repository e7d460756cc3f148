"""The lines of the slices' suppression plan: every count a slice shows, per district and quarter.

A line is one measure in one quarter (or one month of an SPC series): the districts' counts and
their total, the county. Only ``ok`` figures enter the plan: a quarter a source does not cover is
absent from it, never a 0. :class:`dasv.report.slices.SliceBuilder` plans with these lines and
:mod:`dasv.report.joint` adds what the store has already served.
"""

from __future__ import annotations

from sqlalchemy import Connection

from dasv.config import Deployment
from dasv.measures.context import SPC_MEASURES
from dasv.measures.series import SOURCE_OF, MonthlySeries
from dasv.measures.status import INCOMPLETE, NOT_SUPPLIED, OK
from dasv.published import first_published_all
from dasv.quarters import Quarter
from dasv.report.data import QuarterData
from dasv.report.slice_tables import IDVA_MEASURES, MARAC_MEASURES, POLICE_MEASURES
from dasv.report.suppress import COUNTY, SuppressionPlan


def measure_values(d: QuarterData, deployment: Deployment, area: str | None) -> dict[str, int]:
    """Every count a slice can show, keyed by measure (report rows as ``row:<label>:<measure>``).

    A report row whose areas leave this district out has no count here: it is not 0 but not
    applicable, printed nowhere and absent from the plan (a withheld 0 a reader knows would be no secret).
    """
    total = d.idva_total
    out = {m: getattr(total, m) for m in IDVA_MEASURES}
    for row in deployment.report_rows:
        if area is not None and row.areas is not None and area not in row.areas:
            continue
        counts = d.idva_rows[row.label]
        out.update({f"row:{row.label}:{m}": getattr(counts, m) for m in IDVA_MEASURES})
    out.update({m: getattr(d.marac, m) for m in MARAC_MEASURES})
    police = d.police["total"]
    out.update({m: police.get(m, 0) or 0 for m in POLICE_MEASURES})
    demo = d.demographics
    out.update(male_victims=demo["male_victims"], disability=demo["disability"], aged_13_17=demo["aged_13_17"],
               lgbt_total=demo["lgbt_total"], not_asked=demo["sexual_orientation"].get("Not asked", 0))  # fmt: skip
    return out


def plan_suppression(
    county: dict[Quarter, QuarterData],
    by_district: dict[str, dict[Quarter, QuarterData]],
    deployment: Deployment,
) -> SuppressionPlan:
    """One line per measure and quarter: the districts' counts and their total, the county.

    Only ``ok`` figures enter the plan: a quarter the source does not cover (not supplied,
    incomplete, not recorded) is absent from the model, never a 0.
    """
    threshold = deployment.suppression.threshold
    plan = SuppressionPlan(threshold)
    districts = list(by_district)
    for q, county_data in county.items():
        county_values = measure_values(county_data, deployment, None)
        per_district = {d: measure_values(by_district[d][q], deployment, d) for d in districts}
        for measure, county_value in county_values.items():
            if figure_status(county_data, measure) != OK:
                continue
            line = {
                d: per_district[d][measure]
                for d in districts
                if measure in per_district[d] and figure_status(by_district[d][q], measure) == OK
            }
            plan.add_line(measure, q, line, county_value)
    return plan


def figure_status(d: QuarterData, measure: str) -> str:
    """A slice measure's status in a quarter's data (a district's or the county's): its source's."""
    if measure in POLICE_MEASURES:
        police = d.police["total"]
        return OK if police["complete"] else (INCOMPLETE if d.police["by_area"] else NOT_SUPPLIED)
    if measure in MARAC_MEASURES:
        return d.status_of("marac")
    if measure in IDVA_MEASURES or measure.startswith("row:"):
        return d.status_of("idva")
    return d.status_of(f"demographics.{measure}")


def first_published_by_district(conn: Connection, quarters: list[Quarter]) -> dict[Quarter, dict[str, tuple]]:
    """Every district's first-published document of each quarter (one query a quarter)."""
    return {q: first_published_all(conn, q) for q in quarters}


def plan_months(plan: SuppressionPlan, series: MonthlySeries, districts: list[str]) -> None:
    """Plan the monthly values of every SPC series too: one line per measure and month."""
    for measure in SPC_MEASURES:
        for month in series.covered[SOURCE_OF[measure]]:
            county = series.values.get((measure, COUNTY, month))
            if county is None:
                continue
            values = {d: series.values.get((measure, d, month), 0) for d in districts}
            plan.add_line(f"month:{measure}", month, values, county)

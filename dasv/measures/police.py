"""Police measures: DA incidents and DA crimes, the sum of the quarter's months.

A quarter is complete only when all three months are present for every configured
district; otherwise the totals are of the months present and say so.
Rates are per 1,000 residents aged 16+ of the configured population table.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from dasv.config import Deployment
from dasv.measures.catalogue import definitions
from dasv.measures.funnel import Funnel, funnel
from dasv.measures.rates import ratio
from dasv.quarters import Quarter, month_label
from dasv.warehouse.models import AreaDim, PoliceMonth

DEFINITIONS = [
    *definitions("police"),  # the measures' own, from the catalogue
    (
        "Rates per 1,000",
        "Incidents or crimes per 1,000 residents aged 16 and over, from the configured "
        "population table (its year and source are stated with the table).",
    ),
    (
        "Incomplete quarter",
        "A quarter lacking any month for any {area}: its totals are of the months "
        "present and are marked incomplete, never presented as a full quarter. A {area} "
        "with no month at all is shown as not supplied, never as zero.",  # in the partnership's words
    ),
]


def police_definitions(deployment: Deployment) -> list[tuple[str, str]]:
    """The police definitions, with the configured reporting area's own (named from the configuration)."""
    area = deployment.police_reporting_area
    own = [(term, deployment.words.say(text)) for term, text in DEFINITIONS]
    if area is None:
        return own
    what = area.description or ", ".join(area.districts)
    return [
        *own,
        (
            "Police reporting area",
            f"The headline police rows labelled '{area.shown}' cover {what}; they are complete when "
            + deployment.words.say("every month of the quarter is present for those {areas}."),
        ),
    ]


def police_measures(conn: Connection, deployment: Deployment, quarter: Quarter) -> dict:
    """The ``police`` part of docs/metrics_json.md for one quarter."""
    quarter_id = quarter.fy_start * 10 + quarter.number
    sums = conn.execute(
        select(
            AreaDim.name,
            func.count(PoliceMonth.id),
            func.sum(PoliceMonth.da_incidents),
            func.sum(PoliceMonth.da_crimes),
        )
        .join(AreaDim, AreaDim.id == PoliceMonth.area_id)
        .where(PoliceMonth.quarter_id == quarter_id)
        .group_by(AreaDim.name)
    ).all()
    present = set(
        conn.execute(
            select(AreaDim.name, PoliceMonth.month)
            .join(AreaDim, AreaDim.id == PoliceMonth.area_id)
            .where(PoliceMonth.quarter_id == quarter_id)
        ).all()
    )
    districts = [a.name for a in deployment.districts]
    missing = [
        f"{name} {month_label(m)}" for name in districts for m in quarter.months if (name, m) not in present
    ]
    table = deployment.population_for(quarter.end.year)
    population = table.by_area if table else {}
    by_name = {name: (int(months), int(incidents), int(crimes)) for name, months, incidents, crimes in sums}
    by_area: dict[str, dict] = {}
    for name in districts:
        if name not in by_name:
            continue
        months, incidents, crimes = by_name[name]
        pop = population.get(name)
        base = pop.aged_16_plus if pop else None
        by_area[name] = {
            "da_incidents": incidents,
            "da_crimes": crimes,
            "months": months,
            "incidents_per_1000": ratio(incidents, base, per=1000),
            "crimes_per_1000": ratio(crimes, base, per=1000),
            "population_16_plus": base,
        }
    out = {"total": _total(by_area, districts, missing, population), "by_area": by_area,
           "population_year": table.year if table else None}  # fmt: skip
    area = deployment.police_reporting_area
    if area:
        out["reporting_area"] = {
            "name": area.name,
            "districts": list(area.districts),
            **_total(by_area, area.districts, missing, population),
        }
    return out


def _total(by_area: dict, districts: list[str], missing: list[str], population: dict) -> dict:
    """The sum over some districts; complete only when every month of each is present."""
    present = [by_area[d] for d in districts if d in by_area]
    missing_here = [m for m in missing if m.rsplit(" ", 1)[0] in districts]
    complete = not missing_here and bool(present)
    incidents = sum(a["da_incidents"] for a in present)
    crimes = sum(a["da_crimes"] for a in present)
    base = sum(p.aged_16_plus for n, p in population.items() if n in districts) or None
    return {
        "da_incidents": incidents,
        "da_crimes": crimes,
        "complete": complete,
        "missing_months": missing_here,
        "not_supplied": [d for d in districts if d not in by_area],
        "incidents_per_1000": ratio(incidents, base, per=1000) if complete else None,
        "crimes_per_1000": ratio(crimes, base, per=1000) if complete else None,
        "population_16_plus": base,
    }


def district_counts(
    police: dict, deployment: Deployment, quarter: Quarter, shown=None
) -> dict[str, tuple[int, int]]:
    """(incidents, population aged 16+) of each district with a complete quarter (and shown, in slices)."""
    table = deployment.population_for(quarter.end.year)
    out = {}
    for area in deployment.districts:
        figures = police["by_area"].get(area.name)
        pop = table.by_area.get(area.name) if table else None
        if figures and figures.get("months") == 3 and pop and (shown is None or shown(area.name)):
            out[area.name] = (figures["da_incidents"], pop.aged_16_plus)
    return out


def district_funnel(police: dict, deployment: Deployment, quarter: Quarter, shown=None) -> Funnel | None:
    """The funnel of the districts' police DA incidents (those ``shown``, in slices)."""
    return funnel(district_counts(police, deployment, quarter, shown))

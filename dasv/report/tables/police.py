"""The police table (DA incidents and crimes by district, rates per 1,000 aged 16+) and the police cells other tables print."""

from __future__ import annotations

from dasv.config import Deployment
from dasv.measures.status import Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Rate
from dasv.report.data import QuarterData
from dasv.report.model import Column, ReportTable
from dasv.report.tables.shared import POLICE_SOURCE, short, sub_heading

INCOMPLETE = Missing("incomplete", "police monthly counts")
NOT_SUPPLIED = Missing("not supplied", "police monthly counts")


def police_cell(d: QuarterData, key: str, scope: str = "total") -> Cell:
    """A quarter's police count over the county or the reporting area.

    A quarter missing any month prints as incomplete, never a short total; one with no
    police month at all for the scope prints as not supplied.
    """
    total = d.police.get(scope) or d.police["total"]
    key = key.removeprefix("police.")
    if not total["complete"]:
        return INCOMPLETE if total[key] else NOT_SUPPLIED
    return total[key]


def _district_police(figures: dict, key: str) -> Cell:
    if not figures:
        return NOT_SUPPLIED
    return figures[key] if figures.get("months") == 3 else INCOMPLETE


def police_table(
    deployment: Deployment, now: QuarterData, before: QuarterData, quarter: Quarter
) -> ReportTable:
    """Police DA incidents and crimes by district with rates per 1,000 aged 16+."""
    population = deployment.population_for(quarter.end.year)
    rows: list[list[Cell]] = []
    for area in deployment.districts:
        cur = now.police["by_area"].get(area.name) or {}
        prev = before.police["by_area"].get(area.name) or {}
        pop = population.by_area.get(area.name) if population else None
        base = pop.aged_16_plus if pop else 0
        rows.append([
            area.display, _district_police(cur, "da_incidents"), _district_police(prev, "da_incidents"),
                _district_police(cur, "da_crimes"), _district_police(prev, "da_crimes"),
            Rate(cur["da_incidents"], base, per=1000) if cur.get("months") == 3 and base else None,
            Rate(cur["da_crimes"], base, per=1000) if cur.get("months") == 3 and base else None,
        ])  # fmt: skip
    area = deployment.police_reporting_area
    scopes = (
        [("reporting_area", area.shown, area.districts)]
        if area
        else []  # one label; what it covers in a note
    )
    scopes.append(("total", "Total", [a.name for a in deployment.districts]))
    for scope, name, districts in scopes:
        total = now.police[scope]
        base = population.total("aged_16_plus", districts) if population else 0
        rows.append([
            name, police_cell(now, "da_incidents", scope), police_cell(before, "da_incidents", scope),
            police_cell(now, "da_crimes", scope), police_cell(before, "da_crimes", scope),
            Rate(total["da_incidents"], base, per=1000) if base and total["complete"] else None,
            Rate(total["da_crimes"], base, per=1000) if base and total["complete"] else None,
        ])  # fmt: skip
    prev = quarter.previous()
    columns = [
        Column(deployment.words("Area"), "label"),
        Column(f"DA incidents {quarter.label}", group="DA incidents", sub=short(quarter), current=True),
        Column(f"DA incidents {prev.label}", group="DA incidents", sub=sub_heading(prev, quarter)),
        Column(f"DA crimes {quarter.label}", group="DA crimes", sub=short(quarter), current=True),
        Column(f"DA crimes {prev.label}", group="DA crimes", sub=sub_heading(prev, quarter)),
        Column(f"DA incidents per 1,000 aged 16+ {quarter.label}", "rate", group="Per 1,000 aged 16+", sub="Incidents", current=True),
        Column(f"DA crimes per 1,000 aged 16+ {quarter.label}", "rate", group="Per 1,000 aged 16+", sub="Crimes", current=True),
    ]  # fmt: skip
    notes = []
    if population:
        notes.append(
            f"Rates use the {population.year} population (its source is under Population in the definitions)."
        )
    for brk in deployment.series_breaks:
        if prev.start < brk.date <= quarter.end or quarter.last_n(8)[0].start < brk.date <= quarter.end:
            notes.append(f"Series break {brk.date:%B %Y}: {brk.note}")
    if not now.police["total"]["complete"]:
        notes.append(f"Incomplete quarter: {police_gaps(now.police['total'])}.")
    if area:
        notes.insert(0, f"{area.shown} is {area.description or ', '.join(area.districts)}.")
    return ReportTable("police_by_district", deployment.words.say("Police domestic abuse by {area}, ") + quarter.label,
                       columns, rows, source=deployment.words.say(POLICE_SOURCE), notes=notes, total_row=True)  # fmt: skip


def police_gaps(police: dict) -> str:
    """``missing Fenland 2025-11; not supplied: Peterborough`` for an incomplete quarter."""
    parts = []
    absent = set(police.get("not_supplied") or [])
    months = [m for m in police["missing_months"] if m.rsplit(" ", 1)[0] not in absent]
    if months:
        parts.append("missing " + ", ".join(months))
    if absent:
        parts.append("not supplied: " + ", ".join(police["not_supplied"]))
    return "; ".join(parts) or "no months"

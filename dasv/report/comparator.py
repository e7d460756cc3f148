"""The county beside a district, as the district's slice shows it: the analyst feed's comparator rows.

A slice prints the county's figure beside the district's, under the same disclosure plan (a
county count can be withheld so that no district's suppressed count can be worked out). The
slice's metrics document carries those county figures (``county``) and the four years ending
of the year-ending section (``year_ending_years``, district and county), so the portal's feed
serves exactly what the slice shows and nothing the slice withheld (docs/portal.md, the feed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from dasv.measures import catalogue
from dasv.measures.status import Missing
from dasv.quarters import Quarter
from dasv.report.cells import Cell, Rate, Suppressed
from dasv.report.suppress import COUNTY, SuppressionPlan

if TYPE_CHECKING:
    from dasv.config import Deployment
    from dasv.report.year_ending import YearEndingFigures


class Slices(Protocol):
    """What the comparator reads of the slices' figures (``dasv.report.slices.SliceBuilder``, which calls it)."""

    deployment: Deployment
    quarter: Quarter
    plan: SuppressionPlan
    year_ending: YearEndingFigures

    def cell(self, who: str, measure: str, x: Quarter) -> Cell:
        """A count as the slices show it (withheld, or its source's status where it is missing)."""
        ...

    def rate(self, who: str, num: str, den: str, x: Quarter) -> Cell:
        """A percentage as the slices show it."""
        ...

    def status(self, who: str, measure: str, x: Quarter) -> str:
        """The status of a figure's source for the quarter."""
        ...


IDVA = catalogue.names("idva", slice=True)
MARAC = catalogue.names("marac", slice=True)
POLICE = catalogue.names("police", slice=True)
DEMOGRAPHICS = ("male_victims", "disability", "aged_13_17", "lgbt_total")


def county_beside(slices: Slices, name: str) -> dict:
    """The county's quarter figures as the district's slice shows them (withheld ones as their markers)."""
    q, plan = slices.quarter, slices.plan
    status: dict[str, str] = {}

    def count(m: str):
        cell = slices.cell(COUNTY, m, q)  # its source's status where it does not cover the quarter
        if isinstance(cell, Missing):
            status[m] = cell.status
            return None
        if (COUNTY, m, q) not in plan.values:  # not planned: absent, never a zero
            return None
        return cell.display if isinstance(cell, Suppressed) else cell

    def pct(num: str, den: str):
        if (COUNTY, num, q) not in plan.values or (COUNTY, den, q) not in plan.values:
            return None
        cell = slices.rate(COUNTY, num, den, q)
        return cell.value(1) if isinstance(cell, Rate) else None

    idva = {m: count(m) for m in IDVA}
    idva |= {
        "engagement_pct": pct("engaged", "criteria_met"),
        "repeats_pct": pct("repeats", "total_referrals"),
    }
    doc = {
        "area": slices.deployment.county_label,
        "idva": {"total": idva},
        "marac": {**{m: count(m) for m in MARAC}, "repeat_pct": pct("repeat_cases", "cases_heard")},
        "police": {"total": {m: count(m) for m in POLICE}},
        "demographics": {m: count(m) for m in DEMOGRAPHICS},
    }
    # each source's status, as the district's own document says it (dasv.measures.status)
    doc["status"] = {
        "idva": slices.status(COUNTY, "total_referrals", q), "marac": slices.status(COUNTY, "referrals", q),
        "police": slices.status(COUNTY, "da_incidents", q),
        **{f"demographics.{m}": v for m, v in status.items() if m in DEMOGRAPHICS},
    }  # fmt: skip
    return doc


def year_ending_years(slices: Slices, name: str) -> list[dict]:
    """The four years ending the slice shows, each the district's and the county's documents (suppressed)."""
    section = slices.year_ending
    return [{"district": section.district_document(name, y), "county": section.district_document(COUNTY, y)}
            for y in section.years]  # fmt: skip

"""A district slice's metrics document: docs/metrics_json.md restricted to the district.

Each count is as the slice prints it: a suppressed count is its marker, its rates null, a figure
with no data behind it null with its status said under ``status``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dasv.measures import context
from dasv.measures.status import OK, Missing
from dasv.report.cells import Rate, Suppressed
from dasv.report.comparator import county_beside, year_ending_years
from dasv.report.served import cells_document
from dasv.report.slice_tables import DEMOGRAPHIC_MEASURES, HEADLINE_MEASURES, MARAC_MEASURES, SERIES_KEY
from dasv.report.suppress import primary_marker
from dasv.rule import SECONDARY
from dasv.rule import rule as disclosure_rule

if TYPE_CHECKING:
    from dasv.report.slices import SliceBuilder


class _Figures:
    """A district's counts and rates in the quarter as its slice prints them, and the measures with none."""

    def __init__(self, builder: SliceBuilder, name: str):
        self.builder, self.name = builder, name
        self.absent: dict[str, str] = {}  # measure -> its status, where the quarter has no figure

    def count(self, m: str):
        cell = self.builder.cell(self.name, m, self.builder.quarter)
        if isinstance(cell, Missing):
            self.absent[m] = cell.status
            return None
        return cell.display if isinstance(cell, Suppressed) else cell

    def pct(self, num: str, den: str):
        cell = self.builder.rate(self.name, num, den, self.builder.quarter)
        return cell.value(1) if isinstance(cell, Rate) else None

    def idva(self, prefix: str = "") -> dict:
        count, pct = self.count, self.pct
        return {
            "total_referrals": count(prefix + "total_referrals"), "criteria_met": count(prefix + "criteria_met"),
            "engaged": count(prefix + "engaged"), "engagement_pct": pct(prefix + "engaged", prefix + "criteria_met"),
            "repeats": count(prefix + "repeats"), "repeats_pct": pct(prefix + "repeats", prefix + "total_referrals"),
        }  # fmt: skip


def slice_metrics(b: SliceBuilder, name: str) -> dict:
    """docs/metrics_json.md restricted to the district, suppressed counts as their markers, their rates null."""
    q, plan, f = b.quarter, b.plan, _Figures(b, name)
    d = b.districts[name][q]
    police_area = _police_area(b, name, f.count)
    doc = {
        "quarter": q.label,
        "period": {"start": q.start.isoformat(), "end": q.end.isoformat()},
        "district": name,
        "suppression": {"threshold": plan.threshold, "marker": primary_marker(plan.threshold), "secondary_marker": SECONDARY,
                        "rule": disclosure_rule(plan.threshold), "cells": cells_document(b.joint, name, b._printed),
                        "planned_against": b.planned_against},
        "idva": {"total": f.idva(), "by_area": {name: f.idva()},
                 "by_report_row": {row.label: f.idva(f"row:{row.label}:") for row in b.deployment.report_rows
                                   if row.areas is None or name in row.areas}},
        "marac": {**{m: f.count(m) for m in MARAC_MEASURES}, "repeat_pct": f.pct("repeat_cases", "cases_heard"),
                  "median_days_to_hearing": d.marac.median_days_to_hearing
                  if plan.shown(name, "cases_heard", q) and b.status(name, "cases_heard", q) == OK else None},
        "police": {"total": {**police_area, "complete": d.police["total"]["complete"]}, "by_area": {name: police_area}},
        "demographics": {"male_victims": f.count("male_victims"), "disability": f.count("disability"),
                         "aged_13_17": f.count("aged_13_17"), "lgbt_total": f.count("lgbt_total"),
                         "sexual_orientation": {"Not asked": f.count("not_asked")}},
    }  # fmt: skip
    absent = f.absent
    doc["status"] = {"idva": b.status(name, "total_referrals", q), "marac": b.status(name, "referrals", q),
                     "police": b.status(name, "da_incidents", q),
                     **{f"demographics.{m}": v for m, v in absent.items() if m in DEMOGRAPHIC_MEASURES},
                     **({"demographics.sexual_orientation": absent["not_asked"]} if "not_asked" in absent else {})}  # fmt: skip
    doc["variation"] = {k: r.summary() for k, r in b.variation(name).items()}
    doc["intervals"] = context.intervals(doc)
    doc["changes"] = _changes(b, name)
    doc["year_ending"] = b.year_ending.district_document(name, b.year_ending.last)
    if b.funnel is not None:  # the plot's adjustment and the district's own position (as its table)
        doc["funnel"] = b.funnel.summary(only=name)
    # the portal feed's comparator rows and four years ending, as this slice shows them
    doc["county"] = county_beside(b, name)
    doc["year_ending_years"] = year_ending_years(b, name)
    return doc


def _police_area(b: SliceBuilder, name: str, count) -> dict:
    """The district's police counts (``count``: as the slice prints them) and its rates per 1,000 aged 16+."""
    q, plan = b.quarter, b.plan
    d = b.districts[name][q]
    population = b.deployment.population_for(q.end.year)
    pop = population.by_area.get(name) if population else None
    police_rates = {}
    for m, key in (("da_incidents", "incidents_per_1000"), ("da_crimes", "crimes_per_1000")):
        shown = plan.shown(name, m, q) and pop and d.police["total"]["complete"]
        police_rates[key] = (
            Rate(plan.values[(name, m, q)], pop.aged_16_plus, 1000).value(1) if shown else None
        )
    return {"da_incidents": count("da_incidents"), "da_crimes": count("da_crimes"), **police_rates,
            "population_16_plus": pop.aged_16_plus if pop else None}  # fmt: skip


def _changes(b: SliceBuilder, name: str) -> dict[str, dict]:
    """The headline counts' changes, tested, where both quarters are published."""
    q, prev = b.quarter, b.quarter.previous()
    out = {}
    for m in HEADLINE_MEASURES:
        key = SERIES_KEY.get(m)
        now, before = b.cell(name, m, q), b.cell(name, m, prev)
        if key and isinstance(now, int) and isinstance(before, int):
            if m.startswith("da_") and not (b.districts[name][q].police["total"]["complete"]
                                            and b.districts[name][prev].police["total"]["complete"]):  # fmt: skip
                continue
            out[key] = context.count_change(before, now)
    return out

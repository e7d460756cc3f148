"""Drafted statements from published figures: a district slice's, and the county report's public edition's.

Only figures the slice publishes are used: a change is stated where both quarters' counts are
shown (never a withheld ``<5`` or ``[c]``), a percentage where both its counts are, and the
district's rank by police DA incidents per 1,000 from the funnel plot the slice prints.
"""

from __future__ import annotations

from dasv.measures.labels import label
from dasv.quarters import Quarter
from dasv.report.cells import Rate, format_cell
from dasv.report.findings import (
    Finding,
    Ranked,
    beside_county_pct,
    count_finding,
    county_ranking,
    lower_first,
    ordered,
    rate_finding,
)
from dasv.report.suppress import COUNTY

COUNTS = (  # (slice measure, its monthly series): the slice's headline counts, in the headline's order
    ("total_referrals", "idva.total_referrals"), ("criteria_met", "idva.criteria_met"), ("repeats", "idva.repeats"),
    ("referrals", "marac.referrals"), ("cases_heard", "marac.cases_heard"), ("da_incidents", "police.da_incidents"),
    ("da_crimes", "police.da_crimes"),
)  # fmt: skip
PREFIX = {"total_referrals": "idva", "criteria_met": "idva", "repeats": "idva", "referrals": "marac",
          "cases_heard": "marac", "da_incidents": "police", "da_crimes": "police"}  # fmt: skip


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def published_findings(
    builder, who: str, prefix: str, q: Quarter, prev: Quarter, spc: dict
) -> list[Finding | None]:
    """The findings of one area's published changes (counts both shown, a percentage whose counts are).

    ``who`` is a district or the county; ``prefix`` opens each sentence (``In Fenland, ``, or nothing for
    the county). One path for the slices and the county report's public edition.
    """
    findings: list[Finding | None] = []
    for measure, key in COUNTS:
        if who == COUNTY and PREFIX[measure] == "police":
            continue  # the county's police rows cover the reporting area: the public edition states them
        now, before = builder.cell(who, measure, q), builder.cell(who, measure, prev)
        if not (_count(now) and _count(before)):
            continue
        if PREFIX[measure] == "police" and not all(
            builder.districts[who][x].police["total"]["complete"] for x in (q, prev)
        ):
            continue
        name = f"{prefix}{lower_first(label(key))}" if prefix else label(key)
        findings.append(count_finding(name, now, before, spc.get(key)))
    now_rate = builder.rate(who, "engaged", "criteria_met", q)
    before_rate = builder.rate(who, "engaged", "criteria_met", prev)
    if isinstance(now_rate, Rate) and isinstance(before_rate, Rate):
        name = (
            f"{prefix}{lower_first(label('idva.engagement_pct'))}" if prefix else label("idva.engagement_pct")
        )
        findings.insert(2, rate_finding(name, now_rate, before_rate))
    return findings


def engagement_ranking(builder, q: Quarter, labels: dict[str, str]) -> str | None:
    """Where each district's published engagement % stands among the districts and beside the county."""
    county = builder.rate(COUNTY, "engaged", "criteria_met", q)
    if not isinstance(county, Rate):
        return None
    entries = []
    for d in builder.districts:
        rate = builder.rate(d, "engaged", "criteria_met", q)
        if isinstance(rate, Rate) and rate.denominator >= 5:
            entries.append(Ranked(labels.get(d, d), rate.exact(), format_cell(rate),
                                  beside_county_pct(rate, county, builder.deployment.words)))  # fmt: skip
    return county_ranking(lower_first(label("idva.engagement_pct")), entries, format_cell(county),
                          builder.deployment.words)  # fmt: skip


def slice_statements(builder, name: str, q: Quarter, prev: Quarter) -> list[str]:
    """Every published change of the district with its verdict (real first, largest first), then its ranks."""
    from dasv.report.statements import funnel_ranking

    spc = builder.variation(name)
    lines = ordered(published_findings(builder, name, f"In {name}, ", q, prev, spc))
    now_rate = builder.rate(name, "engaged", "criteria_met", q)
    county_rate = builder.rate(COUNTY, "engaged", "criteria_met", q)
    if isinstance(now_rate, Rate) and isinstance(county_rate, Rate) and now_rate.denominator >= 5:
        beside = beside_county_pct(now_rate, county_rate, builder.deployment.words)
        lines.append(f"In {name}, {lower_first(label('idva.engagement_pct'))} was {format_cell(now_rate)} in "
                     f"{q.label}, {beside} ({format_cell(county_rate)}).")  # fmt: skip
    if builder.funnel is not None:
        lines.append(funnel_ranking(builder.funnel, {}, own=name, w=builder.deployment.words))
    return [line for line in lines if line]

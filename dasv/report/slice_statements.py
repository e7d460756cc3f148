"""A district slice's drafted statements: its own changes and ranks, stated as the county's are.

Only figures the slice publishes are used: a change is stated where both quarters' counts are
shown (never a withheld ``<5`` or ``[c]``), a percentage where both its counts are, and the
district's rank by police DA incidents per 1,000 from the funnel plot the slice prints.
"""

from __future__ import annotations

from dasv.measures.labels import label
from dasv.quarters import Quarter
from dasv.report.findings import Finding, beside_county_pct, count_finding, lower_first, ordered, rate_finding
from dasv.report.model import Rate, format_cell
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


def slice_statements(builder, name: str, q: Quarter, prev: Quarter) -> list[str]:
    """Every published change of the district with its verdict (real first, largest first), then its ranks."""
    from dasv.report.statements import funnel_ranking

    spc = builder.variation(name)
    findings: list[Finding | None] = []
    for measure, key in COUNTS:
        now, before = builder.cell(name, measure, q), builder.cell(name, measure, prev)
        if not (_count(now) and _count(before)):
            continue
        if PREFIX[measure] == "police" and not all(
            builder.districts[name][x].police["total"]["complete"] for x in (q, prev)
        ):
            continue
        findings.append(count_finding(f"In {name}, {lower_first(label(key))}", now, before, spc.get(key)))
    now_rate = builder.rate(name, "engaged", "criteria_met", q)
    before_rate = builder.rate(name, "engaged", "criteria_met", prev)
    if isinstance(now_rate, Rate) and isinstance(before_rate, Rate):
        findings.insert(2, rate_finding(f"In {name}, {lower_first(label('idva.engagement_pct'))}", now_rate,
                                        before_rate))  # fmt: skip
    lines = ordered(findings)
    county_rate = builder.rate(COUNTY, "engaged", "criteria_met", q)
    if isinstance(now_rate, Rate) and isinstance(county_rate, Rate) and now_rate.denominator >= 5:
        beside = beside_county_pct(now_rate, county_rate)
        lines.append(f"In {name}, {lower_first(label('idva.engagement_pct'))} was {format_cell(now_rate)} in "
                     f"{q.label}, {beside} ({format_cell(county_rate)}).")  # fmt: skip
    if builder.funnel is not None:
        lines.append(funnel_ranking(builder.funnel, {}, own=name))
    return [line for line in lines if line]

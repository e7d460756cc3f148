"""What the system writes itself: factual statements, and the data-quality notes."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from dasv.config import Deployment, Words
from dasv.measures.document import quarter_id
from dasv.measures.idva import IdvaCounts
from dasv.measures.labels import label, police_label
from dasv.measures.status import OK
from dasv.quarters import Quarter
from dasv.report.cells import Change, Rate, format_cell, printed_pair
from dasv.report.findings import (
    Finding,
    Ranked,
    beside_county_funnel,
    beside_county_pct,
    count_finding,
    county_ranking,
    lower_first,
    ordered,
    own_ranking,
    rate_finding,
)
from dasv.report.verdict import limits_fit, misfit_text
from dasv.warehouse.models import IdvaReferral

ENGAGEMENT_JUMP_POINTS = 30
SMALL_DENOMINATOR = 5


def movement(name: str, now: int, before: int, chart=None) -> str | None:
    """``IDVA referrals fell 8%, from 516 to 476, within normal variation.`` (None when both are 0).

    The percentage is the exact relative change rounded once, half up (:class:`Change`); the
    verdict is the one rule of :mod:`dasv.report.verdict` (the quarter's test and the monthly chart).
    """
    found = count_finding(name, now, before, chart)
    return found.text if found else None


def rate_movement(name: str, now: Rate, before: Rate) -> str | None:
    """A percentage's movement, e.g. "Engagement % of criteria met fell 3.9 points, from 80.4% to 76.5%, ..."."""
    found = rate_finding(name, now, before)
    return found.text if found else None


def variation_statements(spc: dict, names: dict[str, str]) -> list[str]:
    """What the monthly charts add to the verdicts: which charts' limits do not fit their series.

    A chart that fits already speaks through each change's verdict (:mod:`dasv.report.verdict`).
    """
    return [f"{name}: {misfit_text(result)}." for key, name in names.items()
            if (result := spc.get(key)) is not None and result.method == "xmr" and not limits_fit(result)]  # fmt: skip


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def draft_statements(
    now, before, labels: dict[str, str], deployment: Deployment | None = None, spc: dict | None = None,
    district_spc: dict | None = None, funnel=None,
) -> list[str]:  # fmt: skip
    """What changed this quarter and does it matter, as a strategic assessment writes it.

    Every real change (the county's and each district's) first, the largest first; then the
    county's other headline changes, within normal variation; then where the districts rank.

    Args:
        spc: the county's SPC charts by measure; district_spc: each district's.
        funnel: the districts' police DA incidents per 1,000 (their ranking and comparison).
    """
    spc, district_spc = spc or {}, district_spc or {}
    t_now, t_before = now.idva_total, before.idva_total
    # a source not supplied in either quarter has no movement to state (never "from 0")
    idva, marac = (now.status_of(s) == OK and before.status_of(s) == OK for s in ("idva", "marac"))
    county: list[Finding | None] = []
    if idva:
        county += _idva_findings(t_now, t_before, spc, lambda m: label(m))
    if marac:
        county += [count_finding(label(k), getattr(now.marac, k.split(".")[1]), getattr(before.marac, k.split(".")[1]),
                                 spc.get(k)) for k in ("marac.referrals", "marac.cases_heard")]  # fmt: skip
    area = deployment.police_reporting_area if deployment else None
    scope = "reporting_area" if area else "total"
    p_now, p_before = (
        now.police.get(scope) or now.police["total"],
        before.police.get(scope) or before.police["total"],
    )
    if p_now["complete"] and p_before["complete"]:
        county += [count_finding(police_label(k, area.shown if area else None), p_now[k.removeprefix("police.")],
                                 p_before[k.removeprefix("police.")], spc.get(k))
                   for k in ("police.da_incidents", "police.da_crimes")]  # fmt: skip
    districts = _district_findings(now, before, labels, deployment, district_spc, idva) if deployment else []
    lines = ordered([f for f in county + districts if f and f.real]) + [
        f.text for f in county if f and not f.real
    ]
    if marac and now.marac.awaiting_hearing:
        lines.append(f"{now.marac.awaiting_hearing:,} MARAC cases were awaiting a hearing at the end of the quarter "
                     f"({before.marac.awaiting_hearing:,} a quarter earlier).")  # fmt: skip
    if deployment and idva:
        lines.append(_engagement_ranking(now, labels, deployment))
    if funnel is not None:
        lines.append(funnel_ranking(funnel, labels, w=deployment.words if deployment else None))
    return [line for line in lines if line]


def _idva_findings(c_now: IdvaCounts, c_before: IdvaCounts, spc: dict, name) -> list[Finding | None]:
    """The IDVA headline measures' findings (``name`` prints each measure's label)."""
    return [
        count_finding(name("idva.total_referrals"), c_now.total_referrals, c_before.total_referrals,
                      spc.get("idva.total_referrals")),
        count_finding(name("idva.criteria_met"), c_now.criteria_met, c_before.criteria_met, spc.get("idva.criteria_met")),
        rate_finding(name("idva.engagement_pct"), Rate(c_now.engaged, c_now.criteria_met),
                     Rate(c_before.engaged, c_before.criteria_met)),
        count_finding(name("idva.repeats"), c_now.repeats, c_before.repeats, spc.get("idva.repeats")),
    ]  # fmt: skip


def _district_findings(
    now, before, labels, deployment: Deployment, district_spc: dict, idva: bool
) -> list[Finding]:
    """Each district's changes (IDVA by residence, police by district); only real ones are kept."""
    out: list[Finding | None] = []
    for area in deployment.districts:
        shown = labels.get(area.name, area.name)
        spc = district_spc.get(area.name, {})

        def name(key: str, shown=shown) -> str:
            return f"In {shown}, {lower_first(label(key))}"

        if idva and area.name in now.idva_by_area and area.name in before.idva_by_area:
            out += _idva_findings(now.idva_by_area[area.name], before.idva_by_area[area.name], spc, name)
        cur, prev = now.police["by_area"].get(area.name) or {}, before.police["by_area"].get(area.name) or {}
        if cur.get("months") == 3 and prev.get("months") == 3:
            out += [count_finding(name(f"police.{k}"), cur[k], prev[k], spc.get(f"police.{k}"))
                    for k in ("da_incidents", "da_crimes")]  # fmt: skip
    return [f for f in out if f is not None and f.real]


def _engagement_ranking(now, labels: dict[str, str], deployment: Deployment) -> str | None:
    """Where each district's engagement % stands among the districts and beside the county."""
    county = Rate(now.idva_total.engaged, now.idva_total.criteria_met)
    entries = []
    for area in deployment.districts:
        c = now.idva_by_area.get(area.name)
        if c is None or c.criteria_met < SMALL_DENOMINATOR:
            continue
        rate = Rate(c.engaged, c.criteria_met)
        entries.append(Ranked(labels.get(area.name, area.name), rate.exact(), format_cell(rate),
                              beside_county_pct(rate, county, deployment.words)))  # fmt: skip
    return county_ranking(
        lower_first(label("idva.engagement_pct")), entries, format_cell(county), deployment.words
    )


def funnel_entries(funnel, labels: dict[str, str], w: Words | None = None) -> list[Ranked]:
    """The funnel's districts as ranking entries (rate per 1,000, position against the county)."""
    return [Ranked(labels.get(p.area, p.area), p.rate, f"{p.rate:,.1f}", beside_county_funnel(p.outside, funnel.adjusted, w))
            for p in funnel.points]  # fmt: skip


def funnel_ranking(
    funnel, labels: dict[str, str], own: str | None = None, w: Words | None = None
) -> str | None:
    """Where the districts (or one district) rank by police DA incidents per 1,000 aged 16+."""
    w = w or Words()
    what = "rate of police DA incidents per 1,000 aged 16+"
    entries, county = funnel_entries(funnel, labels, w), f"{funnel.centre:,.1f}"
    if own:
        return own_ranking(what, labels.get(own, own), entries, f"the {w('whole')}'s is {county}", w)
    return county_ranking(what, entries, county, w)


def quality_notes(
    conn: Connection, deployment: Deployment, data: dict, quarter: Quarter, doc: dict, refused: list[str]
) -> list[str]:
    """Anomalies, reconciliation, repeat-flag checks, incomplete data and refused files."""
    notes: list[str] = []
    now, before = data[quarter], data[quarter.previous()]
    labels = deployment.area_labels
    if before.status_of("idva") != OK:
        before = type(before)(before.quarter, {}, {}, before.marac, before.police, before.demographics)
    for name, c in sorted(now.idva_by_area.items()):
        _rate_checks(notes, labels.get(name, name), c, before.idva_by_area.get(name, IdvaCounts()))
    for row_label, c in now.idva_rows.items():
        _rate_checks(notes, row_label, c, before.idva_rows.get(row_label, IdvaCounts()))
    direct = conn.scalar(
        select(func.count()).select_from(IdvaReferral).where(IdvaReferral.quarter_id == quarter_id(quarter))
    )
    by_area = now.idva_total.total_referrals
    if direct != by_area:
        notes.append(
            f"Totals do not reconcile: {direct:,} IDVA referrals in {quarter.label}, but the area rows sum to {by_area:,}."
        )
    else:
        notes.append(
            f"Totals reconcile: the area rows sum to the {direct:,} IDVA referrals of {quarter.label}."
        )
    check = doc["idva"]["repeat_check"]
    if check["flagged"]:
        notes.append(
            f"Repeats use the service's Repeat flag for {check['flagged']:,} referrals; on {check['disagree']:,} of them "
            f"it disagrees with the person's referral history in the warehouse ({check['history_months']} months "
            "of history before the quarter)."
        )
    if check["unflagged"]:
        notes.append(f"{check['unflagged']:,} referrals had no Repeat flag: their repeat status is computed from "
                     f"{check['history_months']} months of history, so repeats may be undercounted.")  # fmt: skip
    police = now.police["total"]
    if not police["complete"]:
        notes.append(f"Police data for {quarter.label} is incomplete (missing {', '.join(police['missing_months'])}): "
                     "its police figures are shown as incomplete, never as a total of the months present.")  # fmt: skip
    for line in refused:
        notes.append(f"Refused in this run (nothing loaded from the file): {line}")
    return notes


def load_notes(sources) -> list[str]:
    """Rows skipped (blank or total rows) and repaired, per source file in use."""
    notes = []
    for s in sources:
        parts = []
        if s.rows_skipped:
            parts.append(f"{s.rows_skipped} blank or total row(s) skipped")
        parts += [f"{n} row(s) repaired: {what}" for what, n in s.repairs.items()]
        if parts:
            notes.append(f"{s.file_name}: " + "; ".join(parts) + ".")
    return notes


def _rate_checks(notes: list[str], name: str, c: IdvaCounts, b: IdvaCounts) -> None:
    if 0 < c.criteria_met < SMALL_DENOMINATOR:
        notes.append(f"{name}: the engagement rate is of only {c.criteria_met} referral(s) meeting the criteria; "
                     "read it with care.")  # fmt: skip
    now_rate, before_rate = printed_pair(Rate(c.engaged, c.criteria_met), Rate(b.engaged, b.criteria_met))
    change = Change(now_rate, before_rate)
    if change.comparable and abs(change.difference()) > ENGAGEMENT_JUMP_POINTS:
        notes.append(f"{name}: engagement moved {change.text().lstrip('+-')} ({format_cell(before_rate)} to "
                     f"{format_cell(now_rate)}) since last quarter; check the export before publishing.")  # fmt: skip

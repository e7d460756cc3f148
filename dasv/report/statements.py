"""What the system writes itself: factual statements, and the data-quality notes."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from dasv.config import Deployment
from dasv.measures.context import NOTABLE_P
from dasv.measures.document import quarter_id
from dasv.measures.idva import IdvaCounts
from dasv.measures.intervals import newcombe, poisson_change_p
from dasv.measures.labels import label, police_label
from dasv.measures.rates import round_half_up
from dasv.measures.status import OK
from dasv.quarters import Quarter
from dasv.report.model import Change, Rate, format_cell
from warehouse.models import IdvaReferral

ENGAGEMENT_JUMP_POINTS = 30
SMALL_DENOMINATOR = 5


def movement(name: str, now: int, before: int, tested: bool = True) -> str | None:
    """``IDVA referrals fell 8%, from 516 to 476, within normal variation.`` (None when both are zero).

    The percentage is the exact relative change rounded once, half up (:class:`Change`); the
    verdict is the exact conditional test of two Poisson counts (STATISTICS.md).
    """
    if before == 0 and now == 0:
        return None
    verdict = _verdict(poisson_change_p(now, before)) if tested else ""
    if now == before:
        return f"{name} were unchanged at {now:,}."
    verb = "rose" if now > before else "fell"
    if before == 0:
        return f"{name} {verb} from 0 to {now:,}{verdict}."
    pct = round_half_up(abs(Change(now, before).percent()), 0)
    return f"{name} {verb} {pct:.0f}%, from {before:,} to {now:,}{verdict}."


def _verdict(p: float | None) -> str:
    """``, within normal variation`` or ``, a change unlikely to be chance (p = 0.04)``."""
    if p is None:
        return ""
    if p >= NOTABLE_P:
        return ", within normal variation"
    shown = "p < 0.001" if p < 0.001 else f"p = {round_half_up(p, 3 if p < 0.01 else 2):g}"
    return f", a change unlikely to be chance ({shown})"


def rate_movement(name: str, now: Rate, before: Rate) -> str | None:
    """A percentage's movement, e.g. "Engagement % of criteria met fell 4 points, from 81% to 77%, ...".

    The difference of the exact rates, rounded once; the verdict from Newcombe's interval of it.
    """
    change = Change(now, before)
    if not change.comparable:
        return None
    shown_now, shown_before = format_cell(now), format_cell(before)
    points = round_half_up(abs(change.difference()), 0)
    interval = newcombe(now.numerator, now.denominator, before.numerator, before.denominator)
    verdict = ""
    if interval:
        low, high = (round_half_up(x, 0) for x in interval)
        notable = interval[0] > 0 or interval[1] < 0
        verdict = (f", a change unlikely to be chance (95% interval {low:+.0f} to {high:+.0f} points)" if notable
                   else ", within normal variation")  # fmt: skip
    if points == 0:
        if shown_now == shown_before:
            return f"{name} was unchanged at {shown_now}."
        return f"{name} moved less than half a point, from {shown_before} to {shown_now}{verdict}."
    verb = "rose" if change.difference() > 0 else "fell"
    return f"{name} {verb} {points:.0f} point{'' if points == 1 else 's'}, from {shown_before} to {shown_now}{verdict}."


RULE_REASONS = {
    1: "a month outside the process limits",
    2: "a run of 7 or more months on one side of the mean",
    3: "7 or more months rising or falling in a row",
    4: "two of three months close to a process limit",
}


def variation_statements(spc: dict, names: dict[str, str]) -> list[str]:
    """What the SPC charts say about the latest month: special causes named, common causes grouped."""
    lines, common = [], []
    for key, name in names.items():
        result = spc.get(key)
        if result is None or result.method != "xmr":
            continue
        if result.signal == "common_cause":
            common.append(name)
            continue
        reasons = ", ".join(RULE_REASONS[r] for r in sorted(result.rules[-1]))
        direction = "higher" if result.signal.endswith("higher") else "lower"
        lines.append(f"{name}: special cause variation – {direction} in {result.months[-1]} ({reasons}).")
    if common:
        lines.append(f"Common cause variation in the latest month for {_join(common)}: within what the monthly "
                     "series usually shows.")  # fmt: skip
    return lines


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def draft_statements(now, before, labels: dict[str, str], deployment: Deployment | None = None) -> list[str]:
    """Plain factual sentences comparing this quarter with the last (e.g. 'IDVA referrals fell 8%, from 516 to 476.')."""
    t_now, t_before = now.idva_total, before.idva_total
    # a source not supplied in either quarter has no movement to state (never "from 0")
    idva, marac = (now.status_of(s) == OK and before.status_of(s) == OK for s in ("idva", "marac"))
    lines = [
        movement(label("idva.total_referrals"), t_now.total_referrals, t_before.total_referrals),
        movement(label("idva.criteria_met"), t_now.criteria_met, t_before.criteria_met),
        rate_movement(label("idva.engagement_pct"), Rate(t_now.engaged, t_now.criteria_met),
                      Rate(t_before.engaged, t_before.criteria_met)),
        movement(label("idva.repeats"), t_now.repeats, t_before.repeats),
    ] if idva else []  # fmt: skip
    if marac:
        lines += [
            movement(label("marac.referrals"), now.marac.referrals, before.marac.referrals),
            movement(label("marac.cases_heard"), now.marac.cases_heard, before.marac.cases_heard),
        ]
    if marac and now.marac.awaiting_hearing:
        lines.append(f"{now.marac.awaiting_hearing:,} MARAC cases were awaiting a hearing at the end of the quarter "
                     f"({before.marac.awaiting_hearing:,} a quarter earlier).")  # fmt: skip
    area = deployment.police_reporting_area if deployment else None
    scope = "reporting_area" if area else "total"
    p_now, p_before = (
        now.police.get(scope) or now.police["total"],
        before.police.get(scope) or before.police["total"],
    )
    if p_now["complete"] and p_before["complete"]:
        for key in ("police.da_incidents", "police.da_crimes"):
            field = key.removeprefix("police.")
            lines.append(
                movement(police_label(key, area.name if area else None), p_now[field], p_before[field])
            )
    changes = []
    for area_name, c in now.idva_by_area.items() if idva else ():
        b = before.idva_by_area.get(area_name, IdvaCounts())
        if b.total_referrals >= 10:
            changes.append(
                (abs(c.total_referrals - b.total_referrals), area_name, c.total_referrals, b.total_referrals)
            )
    if changes:
        _, area_name, n, b = max(changes)
        lines.append(
            f"The largest change by area: {movement(labels.get(area_name, area_name) + ' IDVA referrals', n, b)}"
        )
    return [line for line in lines if line]


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
    now_rate, before_rate = Rate(c.engaged, c.criteria_met), Rate(b.engaged, b.criteria_met)
    change = Change(now_rate, before_rate)
    if change.comparable and abs(change.difference()) > ENGAGEMENT_JUMP_POINTS:
        notes.append(f"{name}: engagement moved {change.text().lstrip('+-')} ({format_cell(before_rate)} to "
                     f"{format_cell(now_rate)}) since last quarter; check the export before publishing.")  # fmt: skip

"""What the system writes itself: factual statements, and the data-quality notes."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from dasv.config import Deployment
from dasv.measures.document import quarter_id
from dasv.measures.idva import IdvaCounts
from dasv.quarters import Quarter
from dasv.report.model import Rate
from warehouse.models import IdvaReferral

ENGAGEMENT_JUMP_POINTS = 30
SMALL_DENOMINATOR = 5


def movement(label: str, now: int, before: int) -> str | None:
    """``IDVA referrals fell 8%, from 516 to 476.`` (None when both are zero)."""
    if before == 0 and now == 0:
        return None
    if now == before:
        return f"{label} were unchanged at {now:,}."
    verb = "rose" if now > before else "fell"
    if before == 0:
        return f"{label} {verb} from 0 to {now:,}."
    pct = Rate(abs(now - before), before).value(places=0)
    return f"{label} {verb} {pct:.0f}%, from {before:,} to {now:,}."


def draft_statements(now, before, labels: dict[str, str]) -> list[str]:
    """Plain factual sentences comparing this quarter with the last (e.g. 'IDVA referrals fell 8%, from 516 to 476.')."""
    t_now, t_before = now.idva_total, before.idva_total
    lines = [
        movement("IDVA referrals", t_now.total_referrals, t_before.total_referrals),
        movement("Referrals meeting the criteria", t_now.criteria_met, t_before.criteria_met),
        movement("Repeat referrals", t_now.repeats, t_before.repeats),
        movement("MARAC referrals", now.marac.referrals, before.marac.referrals),
        movement("Cases heard at MARAC", now.marac.cases_heard, before.marac.cases_heard),
    ]
    e_now, e_before = (
        Rate(t_now.engaged, t_now.criteria_met).value(0),
        Rate(t_before.engaged, t_before.criteria_met).value(0),
    )
    if e_now is not None and e_before is not None:
        if e_now == e_before:
            lines.append(f"Engagement was unchanged at {e_now:.0f}% of referrals meeting the criteria.")
        else:
            verb = "rose" if e_now > e_before else "fell"
            lines.append(
                f"Engagement {verb} {abs(e_now - e_before):.0f} points, from {e_before:.0f}% to {e_now:.0f}%."
            )
    if now.marac.awaiting_hearing:
        lines.append(f"{now.marac.awaiting_hearing:,} MARAC cases were awaiting a hearing at the end of the quarter "
                     f"({before.marac.awaiting_hearing:,} a quarter earlier).")  # fmt: skip
    if now.police["total"]["complete"] and before.police["total"]["complete"]:
        lines.append(
            movement(
                "Police DA incidents",
                now.police["total"]["da_incidents"],
                before.police["total"]["da_incidents"],
            )
        )
        lines.append(
            movement(
                "Police DA crimes", now.police["total"]["da_crimes"], before.police["total"]["da_crimes"]
            )
        )
    changes = []
    for area, c in now.idva_by_area.items():
        b = before.idva_by_area.get(area, IdvaCounts())
        if b.total_referrals >= 10:
            changes.append(
                (abs(c.total_referrals - b.total_referrals), area, c.total_referrals, b.total_referrals)
            )
    if changes:
        _, area, n, b = max(changes)
        lines.append(f"The largest change by area: {movement(labels.get(area, area) + ' referrals', n, b)}")
    return [line for line in lines if line]


def quality_notes(
    conn: Connection, deployment: Deployment, data: dict, quarter: Quarter, doc: dict, refused: list[str]
) -> list[str]:
    """Anomalies, reconciliation, repeat-flag checks, incomplete data and refused files."""
    notes: list[str] = []
    now, before = data[quarter], data[quarter.previous()]
    labels = {a.name: a.display for a in deployment.areas}
    for name, c in sorted(now.idva_by_area.items()):
        _rate_checks(notes, labels.get(name, name), c, before.idva_by_area.get(name, IdvaCounts()))
    for label, c in now.idva_rows.items():
        _rate_checks(notes, label, c, before.idva_rows.get(label, IdvaCounts()))
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
                     "totals are of the months present.")  # fmt: skip
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


def _rate_checks(notes: list[str], label: str, c: IdvaCounts, b: IdvaCounts) -> None:
    if 0 < c.criteria_met < SMALL_DENOMINATOR:
        notes.append(f"{label}: the engagement rate is of only {c.criteria_met} referral(s) meeting the criteria; "
                     "read it with care.")  # fmt: skip
    e_now, e_before = Rate(c.engaged, c.criteria_met).value(0), Rate(b.engaged, b.criteria_met).value(0)
    if e_now is not None and e_before is not None and abs(e_now - e_before) > ENGAGEMENT_JUMP_POINTS:
        notes.append(f"{label}: engagement moved {abs(e_now - e_before):.0f} points ({e_before:.0f}% to {e_now:.0f}%) "
                     "since last quarter; check the export before publishing.")  # fmt: skip

"""Police DA crimes by Home Office offence group: a year's breakdown, and its reconciliation.

The offence-group export (inbox ``police/``, recognised by its ``Offence group`` column) gives one
row per month, district and offence group. A year's breakdown for an area exists only where the
export covers every month of the year for every district of the area (a district-month with at
least one row; a group with no row in such a month had none); otherwise it is ``null`` with the
status ``incomplete`` (some months) or ``not supplied`` (none), never a share of a short year.

A group's share is of the DA crimes of all the groups (one decimal). Each district-month's groups
should add up to the monthly counts' DA crimes of the same district and month; a month where they
do not is named under Data quality (:func:`reconciliation_notes`), never silently reconciled.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Connection, func, select

from dasv.config import Deployment
from dasv.loaders.values import offence_groups_of
from dasv.measures.rates import ratio
from dasv.measures.status import INCOMPLETE, NOT_SUPPLIED, OK
from dasv.quarters import month_label
from dasv.warehouse.models import AreaDim, PoliceMonth, PoliceOffenceMonth

DEFINITION = (
    "DA crimes by offence group",
    "Police DA-flagged crimes by Home Office offence group over the year, and each group's share of the DA "
    "crimes of all groups; shown only where the offence-group export covers every month of the year.",
)


def offence_groups_by_area(conn: Connection, first: date, last: date) -> dict[str, dict]:
    """Per district: the months the export holds between two months, and each group's DA crimes."""
    rows = conn.execute(
        select(AreaDim.name, PoliceOffenceMonth.month, PoliceOffenceMonth.offence_group,
               func.sum(PoliceOffenceMonth.da_crimes))
        .join(AreaDim, AreaDim.id == PoliceOffenceMonth.area_id)
        .where(PoliceOffenceMonth.month >= first, PoliceOffenceMonth.month <= last)
        .group_by(AreaDim.name, PoliceOffenceMonth.month, PoliceOffenceMonth.offence_group)
    ).all()  # fmt: skip
    out: dict[str, dict] = {}
    for name, month, group, crimes in rows:
        entry = out.setdefault(name, {"months": set(), "groups": defaultdict(int)})
        entry["months"].add(month)
        entry["groups"][group] += int(crimes or 0)
    return out


def breakdown(held: dict[str, dict], names: list[str], months: list[date], groups: list[str]) -> tuple:
    """``(by_offence_group, status)`` of the areas ``names`` together over ``months``.

    ``by_offence_group``: ``{group: {"da_crimes": n, "share_pct": x}}`` in the configured order, or
    None (status ``incomplete`` or ``not supplied``) unless every district holds every month.
    """
    have = [len(held[n]["months"] & set(months)) if n in held else 0 for n in names]
    if not names or not all(h == len(months) for h in have):
        return None, (INCOMPLETE if any(have) else NOT_SUPPLIED)
    counts = {g: sum(held[n]["groups"].get(g, 0) for n in names) for g in groups}
    total = sum(counts.values())
    return {g: {"da_crimes": n, "share_pct": ratio(n, total)} for g, n in counts.items()}, OK


def reconciliation(conn: Connection, first: date, last: date) -> list[tuple[str, date, int, int]]:
    """District-months (between two months) whose groups do not add up to the monthly DA crimes.

    Returns:
        ``(district, month, groups' sum, monthly DA crimes)`` for each month both exports hold.
    """
    groups = dict(
        ((name, month), int(n))
        for name, month, n in conn.execute(
            select(AreaDim.name, PoliceOffenceMonth.month, func.sum(PoliceOffenceMonth.da_crimes))
            .join(AreaDim, AreaDim.id == PoliceOffenceMonth.area_id)
            .where(PoliceOffenceMonth.month >= first, PoliceOffenceMonth.month <= last)
            .group_by(AreaDim.name, PoliceOffenceMonth.month)
        )
    )
    if not groups:
        return []
    monthly = dict(
        ((name, month), int(n))
        for name, month, n in conn.execute(
            select(AreaDim.name, PoliceMonth.month, PoliceMonth.da_crimes)
            .join(AreaDim, AreaDim.id == PoliceMonth.area_id)
            .where(PoliceMonth.month >= first, PoliceMonth.month <= last)
        )
    )
    return [(name, month, n, monthly[(name, month)]) for (name, month), n in sorted(groups.items(),
            key=lambda kv: (kv[0][1], kv[0][0])) if (name, month) in monthly and monthly[(name, month)] != n]  # fmt: skip


def reconciliation_notes(conn: Connection, first: date, last: date) -> list[str]:
    """Data quality's lines: each district-month whose offence groups differ from the monthly DA crimes."""
    diffs = reconciliation(conn, first, last)
    if not diffs:
        return []
    listed = "; ".join(
        f"{name} {month_label(month)}: groups {n:,}, monthly counts {m:,}" for name, month, n, m in diffs[:12]
    )
    more = f"; and {len(diffs) - 12} more" if len(diffs) > 12 else ""
    return [
        f"Police DA crimes by offence group do not add up to the monthly DA crimes in {len(diffs)} district-month"
        f"{'s' if len(diffs) > 1 else ''} ({listed}{more}); the shares are of the groups' own total, and the "
        "exports should be checked with the constabulary."
    ]


def configured_groups(deployment: Deployment) -> list[str]:
    """The deployment's offence groups, in printed order."""
    return offence_groups_of(deployment)

"""Monthly counts, stored as they are written: the facts of the monthly series.

The series (``dasv.measures.series``) shows each IDVA and MARAC count for 24 months, for the
county and every district. Grouping a million referrals by calendar month took seconds in
every run; instead each load and purge recomputes, in the same transaction, the months its
change can affect and stores one row per measure, area and month that has any fact
(``monthly_count``). The definitions are the measures' own (the repeat is
``dasv.warehouse.counting.repeat_expression``), so a month's counts add up to its quarter's.

- IDVA counts and MARAC referrals go by referral date: a change to days ``first`` to
  ``last`` affects those months and, through repeats, the 365 days after.
- MARAC cases heard go by hearing date, never before the referral date (docs/adopting.md), so
  every month from ``first`` on is recomputed.

``monthly_drift`` compares the stored rows with the facts (always none; tests check it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, delete, extract, insert, select, true

from dasv.warehouse.counting import count_if, repeat_expression
from dasv.warehouse.models import IdvaReferral, MaracCase, MonthlyCount
from dasv.warehouse.repeats import REPEAT_WINDOW_DAYS

# source -> groups of (date column, day column, later months affected?, {measure: counted when})
GROUPS = {
    "idva": [(IdvaReferral.referral_date, IdvaReferral.referral_day, "repeats", {
        "idva.total_referrals": true(),
        "idva.criteria_met": IdvaReferral.criteria_met,
        "idva.engaged": IdvaReferral.engaged,
        "idva.repeats": repeat_expression(IdvaReferral),
    })],
    "marac": [
        (MaracCase.referral_date, MaracCase.referral_day, "repeats", {"marac.referrals": true()}),
        (MaracCase.hearing_date, MaracCase.hearing_day, "all later", {"marac.cases_heard": true()}),
    ],
}  # fmt: skip


def _month_start(day: int) -> date:
    d = date.fromordinal(max(1, day))
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _counts(conn: Connection, date_column, day_column, measures: dict, first: int, last: int | None) -> dict:
    """(measure, month, area id) -> count, for the facts between two days (``last`` None: no end)."""
    model = day_column.class_
    year, month = extract("year", date_column), extract("month", date_column)
    where = [day_column >= first] + ([day_column <= last] if last is not None else [day_column.is_not(None)])
    rows = conn.execute(
        select(model.area_id, year, month, *(count_if(c) for c in measures.values()))
        .where(*where)
        .group_by(model.area_id, year, month)
    )  # fmt: skip
    out = {}
    for area_id, y, m, *values in rows:
        for measure, value in zip(measures, values, strict=True):
            out[(measure, date(int(y), int(m), 1), area_id)] = int(value)
    return out


def _bounds(kind: str, first_day: int, last_day: int) -> tuple[date, date | None]:
    """The first and last months a change between two days can affect (None: every later month)."""
    first = _month_start(first_day)
    if kind == "all later":
        return first, None
    return first, _month_start(last_day + REPEAT_WINDOW_DAYS)


def refresh_monthly(conn: Connection, source: str, first_day: int, last_day: int) -> int:
    """Recompute the stored monthly counts a change to ``source``'s facts between two days can affect.

    Call after the facts and their stored repeats are written. Returns the rows stored.
    """
    stored = 0
    for date_column, day_column, kind, measures in GROUPS.get(source, []):
        first, last = _bounds(kind, first_day, last_day)
        in_range = [MonthlyCount.measure.in_(list(measures)), MonthlyCount.month >= first]
        if last is not None:
            in_range.append(MonthlyCount.month <= last)
        conn.execute(delete(MonthlyCount).where(*in_range))
        end = None if last is None else _next_month(last).toordinal() - 1
        counts = _counts(conn, date_column, day_column, measures, first.toordinal(), end)
        if counts:
            conn.execute(
                insert(MonthlyCount),
                [{"measure": m, "month": mo, "area_id": a, "value": v} for (m, mo, a), v in counts.items()],
            )
        stored += len(counts)
    return stored


def monthly_drift(conn: Connection) -> dict:
    """Stored monthly counts that differ from the facts: {(measure, month, area id): (stored, facts)}."""
    facts: dict = {}
    for groups in GROUPS.values():
        for date_column, day_column, _, measures in groups:
            facts |= _counts(conn, date_column, day_column, measures, 1, None)
    stored = {(m, mo, a): v for m, mo, a, v in conn.execute(select(MonthlyCount.measure, MonthlyCount.month,
                                                                    MonthlyCount.area_id, MonthlyCount.value))}  # fmt: skip
    return {
        k: (stored.get(k), facts.get(k))
        for k in stored.keys() | facts.keys()
        if stored.get(k) != facts.get(k)
    }

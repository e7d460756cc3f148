"""Repeats computed from history, stored with each fact when it is written.

A referral (IDVA) or case (MARAC) is a *computed repeat* when the same pseudonymous person
key has another one in the 365 days before it (docs/assumptions_caveats.md, "Measures"; SafeLives for MARAC).
Working that out is one index lookup per row; doing it inside every measure query made
each query over a million referrals pay for a million lookups, again and again (the
monthly series, the area tables, the report rows, the year ending). So each row stores
``computed_repeat``, and every write that adds or removes rows refreshes the rows whose
365 days before could have changed, in the same transaction:

- a load refreshes the rows from the first day of the quarters it covers (or replaces)
  to 365 days after the last;
- a purge refreshes the first 365 days of what it keeps.

Measures read the stored column (``dasv.warehouse.counting.repeat_expression``);
``repeat_drift`` counts rows whose stored value differs from the definition, which must
always be 0 (tests check it after loads, reloads out of order and purges).
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, not_, select, update
from sqlalchemy.orm import aliased

from dasv.warehouse.models import IdvaReferral, MaracCase

REPEAT_WINDOW_DAYS = 365
REPEAT_TABLES = {"idva": IdvaReferral, "marac": MaracCase}


def had_one_before(model, row):
    """True when ``row``'s person key has another row of ``model`` in the 365 days before it."""
    prior = aliased(model)
    return exists().where(
        prior.person_key == row.person_key,
        prior.referral_day < row.referral_day,
        prior.referral_day >= row.referral_day - REPEAT_WINDOW_DAYS,
    )


def refresh_repeats(conn: Connection, model, first_day: int, last_day: int) -> int:
    """Recompute ``computed_repeat`` for every row a change between the two days can affect.

    A row's value depends on the rows in the 365 days before it, so rows from ``first_day``
    to ``last_day + 365`` are recomputed; only those whose value changes are written (flipped).
    Returns how many rows changed.
    """
    target = model.__table__
    computed = had_one_before(model, target.c)
    result = conn.execute(
        update(target)
        .where(
            target.c.referral_day >= first_day,
            target.c.referral_day <= last_day + REPEAT_WINDOW_DAYS,
            target.c.computed_repeat != computed,
        )
        .values(computed_repeat=not_(target.c.computed_repeat))  # differs, so flips: one lookup a row
    )
    return int(result.rowcount or 0)


def repeat_drift(conn: Connection, model) -> int:
    """Rows whose stored ``computed_repeat`` differs from the definition (always 0)."""
    return int(
        conn.scalar(
            select(func.count())
            .select_from(model)
            .where(model.computed_repeat != had_one_before(model, model))
        )
    )

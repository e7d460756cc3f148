"""How facts are counted in SQL, shared by the measures and the stored monthly counts."""

from __future__ import annotations

from sqlalchemy import case, func


def count_if(condition):
    """The number of rows for which ``condition`` holds (0, never NULL, when there are none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def repeat_expression(row):
    """The source's Repeat flag where the export had one, else the repeat computed from history.

    The computed repeat is stored with each referral or case when it is loaded and kept current
    by every load and purge (``warehouse/repeats.py``), so a count reads a column instead of
    each row's history. One definition for IDVA referrals and MARAC cases.
    """
    return case((row.repeat_flag.is_not(None), row.repeat_flag), else_=row.computed_repeat)

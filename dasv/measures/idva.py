"""IDVA measures: total referrals, criteria met, engaged, repeats; by area and by report row.

Definitions (printed in the report's appendix; docs/assumptions_caveats.md, "Measures"):

- *Total referrals*: referrals whose referral date falls in the quarter.
- *Referral criteria met*: of those, the ones that met the service's criteria.
- *Engagement %*: engaged / criteria met (the service contract's definition).
- *Repeats*: referrals for a person who had another IDVA referral in the 365 days
  before. The service's own Repeat flag is used when the export has it; otherwise the
  repeat is computed from the warehouse's history of the pseudonymous person key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.orm import aliased

from dasv.config import ReportRow
from dasv.measures.catalogue import definitions
from dasv.measures.rates import ratio
from dasv.warehouse.counting import count_if, repeat_expression
from dasv.warehouse.models import AreaDim, IdvaReferral, IdvaReferralSpecialism, SpecialismDim

DEFINITIONS = [
    *definitions("idva"),  # the measures' own, from the catalogue
    (
        "Report rows by specialism",
        "Referrals flagged with the row's specialism, limited to the row's "
        "areas and excluding the row's referral route where it says so. A referral with two "
        "specialisms counts in both rows.",
    ),
]


@dataclass(frozen=True)
class IdvaCounts:
    """The counts behind one row of an IDVA table; rates are derived, never stored."""

    total_referrals: int = 0
    criteria_met: int = 0
    engaged: int = 0
    repeats: int = 0

    @property
    def engagement_pct(self) -> float | None:
        """Engaged as a percentage of criteria met (one decimal)."""
        return ratio(self.engaged, self.criteria_met)

    @property
    def repeats_pct(self) -> float | None:
        """Repeats as a percentage of total referrals (one decimal)."""
        return ratio(self.repeats, self.total_referrals)

    def __add__(self, other: IdvaCounts) -> IdvaCounts:
        return IdvaCounts(
            self.total_referrals + other.total_referrals,
            self.criteria_met + other.criteria_met,
            self.engaged + other.engaged,
            self.repeats + other.repeats,
        )

    def as_dict(self) -> dict:
        """The docs/metrics_json.md form."""
        return {
            "total_referrals": self.total_referrals,
            "criteria_met": self.criteria_met,
            "engaged": self.engaged,
            "engagement_pct": self.engagement_pct,
            "repeats": self.repeats,
            "repeats_pct": self.repeats_pct,
        }


def computed_repeat(r):
    """True when the same person key has an IDVA referral in the 365 days before this one.

    Stored with each referral when it is loaded and kept current by every load and purge
    (``warehouse/repeats.py``), so a measure reads a column instead of each row's history.
    """
    return r.computed_repeat


def _count_columns(r):
    return (
        func.count(r.id),
        count_if(r.criteria_met),
        count_if(r.engaged),
        count_if(repeat_expression(r)),
    )


def counts_by_quarter_area(conn: Connection, quarter_ids: Iterable[int]) -> dict[tuple[int, str], IdvaCounts]:
    """(quarter id, area name) -> counts, for every pair that has referrals."""
    r = aliased(IdvaReferral)
    rows = conn.execute(
        select(r.quarter_id, AreaDim.name, *_count_columns(r))
        .join(AreaDim, AreaDim.id == r.area_id)
        .where(r.quarter_id.in_(list(quarter_ids)))
        .group_by(r.quarter_id, AreaDim.name)
    )
    return {(q, a): IdvaCounts(*map(int, counts)) for q, a, *counts in rows}


def counts_by_area_between(conn: Connection, start: date, end: date) -> dict[str, IdvaCounts]:
    """Area name -> counts of the referrals dated ``start`` to ``end`` (any span, e.g. a year ending)."""
    r = aliased(IdvaReferral)
    rows = conn.execute(
        select(AreaDim.name, *_count_columns(r))
        .join(AreaDim, AreaDim.id == r.area_id)
        .where(r.referral_day >= start.toordinal(), r.referral_day <= end.toordinal())
        .group_by(AreaDim.name)
    )
    return {a: IdvaCounts(*map(int, counts)) for a, *counts in rows}


def counts_by_report_row(
    conn: Connection,
    rows: list[ReportRow],
    quarter_ids: Iterable[int],
    area: str | None = None,
    by_area: bool = False,
) -> dict[tuple, IdvaCounts]:
    """(quarter id, row label) -> counts for each configured report row.

    A referral with two specialisms counts in every row whose filter it matches.
    ``by_area`` keys the result (quarter id, row label, area name) instead, for all
    areas in one query per row.
    """
    out: dict[tuple, IdvaCounts] = {}
    quarter_ids = list(quarter_ids)
    for row in rows:
        r = aliased(IdvaReferral)
        # a referral has each specialism at most once, so joining the row's specialism never duplicates
        conditions = [r.quarter_id.in_(quarter_ids), SpecialismDim.name == row.specialism]
        if row.areas is not None:
            conditions.append(AreaDim.name.in_(row.areas))
        if row.exclude_route:
            conditions.append(or_(r.route.is_(None), r.route != row.exclude_route))
        keys = (r.quarter_id, AreaDim.name) if by_area else (r.quarter_id,)
        result = conn.execute(
            select(*keys, *_count_columns(r))
            .join(AreaDim, AreaDim.id == r.area_id)
            .join(IdvaReferralSpecialism, IdvaReferralSpecialism.referral_id == r.id)
            .join(SpecialismDim, SpecialismDim.id == IdvaReferralSpecialism.specialism_id)
            .where(and_(*conditions))
            .group_by(*keys)
        )
        for row_values in result:
            key, counts = row_values[: len(keys)], row_values[len(keys) :]
            q = key[0]
            out[(q, row.label, key[1]) if by_area else (q, row.label)] = IdvaCounts(*map(int, counts))
    return out


def repeat_flag_check(conn: Connection, quarter_id: int) -> dict:
    """How the service's Repeat flag compares with the repeat computed from history.

    Returns:
        ``flagged`` rows with a flag, ``disagree`` rows where flag and history differ,
        ``unflagged`` rows relying on history, and ``history_months``: how many whole
        months of IDVA history before the quarter the warehouse holds.
    """
    r = aliased(IdvaReferral)
    computed = computed_repeat(r)
    flagged, disagree, unflagged = conn.execute(
        select(
            count_if(r.repeat_flag.is_not(None)),
            count_if(and_(r.repeat_flag.is_not(None), r.repeat_flag != computed)),
            count_if(r.repeat_flag.is_(None)),
        ).where(r.quarter_id == quarter_id)
    ).one()
    first_day = conn.scalar(select(func.min(IdvaReferral.referral_date)))
    return {
        "flagged": int(flagged),
        "disagree": int(disagree),
        "unflagged": int(unflagged),
        "first_referral": first_day,
    }

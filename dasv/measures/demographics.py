"""Demographics of the quarter's IDVA referrals: male victims, disability, LGBT+, aged 13-17."""

from __future__ import annotations

from sqlalchemy import Connection, and_, case, func, select

from dasv.warehouse.models import AreaDim, IdvaReferral

LGBT_CATEGORIES = ("Lesbian", "Gay", "Bi", "Pansexual", "Asexual", "Other")
NOT_ASKED = "Not asked"

DEFINITIONS = [
    (
        "Male victims, disability, aged 13–17",
        "Counts of the quarter's IDVA referrals whose client is male, "
        "has a disability (Yes), or was aged 13 to 17 at referral.",
    ),
    (
        "LGBT+",
        "Referrals whose client's sexual orientation is lesbian, gay, bi, pansexual, asexual or "
        "another non-heterosexual orientation, by category; 'Not asked' is shown beside them.",
    ),
]


def demographics_by_area(conn: Connection, quarter_id: int) -> dict[str, dict]:
    """:func:`demographics` for every area, in two grouped queries."""
    r = IdvaReferral

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    base = conn.execute(
        select(AreaDim.name, count_if(r.gender == "Male"), count_if(r.disability == "Yes"),
               count_if(and_(r.age >= 13, r.age <= 17)))
        .join(AreaDim, AreaDim.id == r.area_id).where(r.quarter_id == quarter_id).group_by(AreaDim.name)
    ).all()  # fmt: skip
    orientation: dict[str, dict[str, int]] = {}
    for name, value, n in conn.execute(
        select(AreaDim.name, r.sexual_orientation, func.count())
        .join(AreaDim, AreaDim.id == r.area_id)
        .where(r.quarter_id == quarter_id, r.sexual_orientation.in_([*LGBT_CATEGORIES, NOT_ASKED]))
        .group_by(AreaDim.name, r.sexual_orientation)
    ):
        orientation.setdefault(name, {})[value] = int(n)
    out = {}
    for name, male, disabled, young in base:
        found = orientation.get(name, {})
        ordered = {c: found[c] for c in (*LGBT_CATEGORIES, NOT_ASKED) if found.get(c)}
        out[name] = {"male_victims": int(male), "disability": int(disabled), "aged_13_17": int(young),
                     "sexual_orientation": ordered, "lgbt_total": sum(v for k, v in ordered.items() if k != NOT_ASKED)}  # fmt: skip
    return out


EMPTY = {"male_victims": 0, "disability": 0, "aged_13_17": 0, "sexual_orientation": {}, "lgbt_total": 0}


def demographics(conn: Connection, quarter_id: int) -> dict:
    """Counts of the quarter's referrals: male victims, disabled, aged 13-17, and sexual orientation.

    ``sexual_orientation`` lists each LGBT+ category with referrals, and "Not asked";
    ``lgbt_total`` is the sum of the LGBT+ categories.
    """
    r = IdvaReferral
    where = [r.quarter_id == quarter_id]

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    male, disabled, young = conn.execute(
        select(count_if(r.gender == "Male"), count_if(r.disability == "Yes"),
               count_if(and_(r.age >= 13, r.age <= 17)))
        .where(*where)
    ).one()  # fmt: skip
    orientation = dict(
        conn.execute(
            select(r.sexual_orientation, func.count())
            .where(*where, r.sexual_orientation.in_([*LGBT_CATEGORIES, NOT_ASKED]))
            .group_by(r.sexual_orientation)
        ).all()
    )
    ordered = {c: int(orientation[c]) for c in (*LGBT_CATEGORIES, NOT_ASKED) if orientation.get(c)}
    return {
        "male_victims": int(male),
        "disability": int(disabled),
        "aged_13_17": int(young),
        "sexual_orientation": ordered,
        "lgbt_total": sum(v for k, v in ordered.items() if k != NOT_ASKED),
    }

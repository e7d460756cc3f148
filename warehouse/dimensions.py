"""The warehouse's dimensions: the quarters, areas and specialisms facts refer to by id."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from dasv.config import Deployment
from dasv.loaders.values import specialisms_of
from dasv.quarters import Quarter
from dasv.warehouse.models import AreaDim, QuarterDim, SpecialismDim


def ensure_dimensions(conn: Connection, deployment: Deployment, quarters: set[Quarter]) -> dict:
    """Insert missing quarters, areas and specialisms; return name -> id lookups."""
    have_q = set(conn.scalars(select(QuarterDim.id)))
    new_q = [q for q in quarters if quarter_id(q) not in have_q]
    if new_q:
        conn.execute(
            insert(QuarterDim),
            [
                {
                    "id": quarter_id(q),
                    "label": q.label,
                    "fy_start": q.fy_start,
                    "number": q.number,
                    "start_date": q.start,
                    "end_date": q.end,
                }
                for q in sorted(new_q)
            ],
        )
    areas = {name: id_ for id_, name in conn.execute(select(AreaDim.id, AreaDim.name))}
    for area in deployment.areas:
        if area.name not in areas:
            areas[area.name] = conn.execute(
                insert(AreaDim)
                .values(name=area.name, kind=area.kind, ons_code=area.ons_code)
                .returning(AreaDim.id)
            ).scalar_one()
    specialisms = {n: i for i, n in conn.execute(select(SpecialismDim.id, SpecialismDim.name))}
    for name in specialisms_of(deployment):
        if name not in specialisms:
            specialisms[name] = conn.execute(
                insert(SpecialismDim).values(name=name).returning(SpecialismDim.id)
            ).scalar_one()
    return {"areas": areas, "specialisms": specialisms}


def quarter_id(q: Quarter) -> int:
    """The quarter's id in the warehouse: 20253 for 2025-26 Q3."""
    return q.fy_start * 10 + q.number

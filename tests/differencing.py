"""The demo as the attacker sees it: 2024-25 Q3 to 2025-26 Q3 published, then a correction and a revision.

Builds the publication store with the real pipeline (load, render, publish) and returns what the
attacker needs: the served slices, the data states' true values (to check identities and report)
and which figures the correction changed.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from dasv.config import load_deployment
from dasv.pipeline import publish, render_quarter
from dasv.quarters import Quarter
from dasv.report.slices import SliceBuilder
from dasv.warehouse.db import open_warehouse
from dasv.warehouse.models import AreaDim, IdvaReferral
from dasv.warehouse.monthly import refresh_monthly
from tests.conftest import Sample, copy_sample, make_sample

PUBLISHED = ["2024-25 Q3", "2024-25 Q4", "2025-26 Q1", "2025-26 Q2", "2025-26 Q3"]
REVISED = ["2025-26 Q2", "2025-26 Q3"]  # published again after the correction
QUARTERS = ["2023-24 Q3", "2023-24 Q4", "2024-25 Q1", "2024-25 Q2", *PUBLISHED]
YEAR_ENDINGS = {"YE Sep 2024": QUARTERS[:4], "YE Sep 2025": QUARTERS[4:8]}


def truth(conn, deployment, quarter: Quarter) -> dict:
    """(area, measure, period) -> true value of every figure a slice of the quarter plans."""
    builder = SliceBuilder(conn, deployment, quarter)
    out = {}
    for (who, m, p), v in builder.plan.values.items():
        if isinstance(p, Quarter):
            out[(who, m, p.label)] = v
    ye = builder.year_ending
    for (who, m, y), v in ye.plan.values.items():
        out[(who, m.split(".", 1)[1], y.short)] = v
    return out


def correct(engine) -> None:
    """A correction elsewhere in the county: two South Cambridgeshire referrals of 2025-26 Q2 re-coded as engaged."""
    q2 = Quarter.parse("2025-26 Q2")
    with engine.begin() as conn:
        area = conn.scalar(select(AreaDim.id).where(AreaDim.name == "South Cambridgeshire"))
        ids = conn.scalars(select(IdvaReferral.id).where(IdvaReferral.quarter_id == q2.fy_start * 10 + q2.number,
                                                         IdvaReferral.area_id == area, IdvaReferral.criteria_met,
                                                         IdvaReferral.engaged.is_(False))
                           .order_by(IdvaReferral.id).limit(2)).all()  # fmt: skip
        assert len(ids) == 2
        conn.execute(update(IdvaReferral).where(IdvaReferral.id.in_(ids)).values(engaged=True))
        refresh_monthly(conn, "idva", q2.start.toordinal(), q2.end.toordinal())


def build(tmp: Path, template: Sample | None = None) -> dict:
    """Publish the quarters from a copy of a loaded sample (the session's, ``tests.conftest.sample_template``)."""
    deployment = load_deployment()
    template = template or make_sample(tmp / "template")
    engine = open_warehouse(copy_sample(template, tmp).url)
    states: dict[tuple[str, int], int] = {}
    values: dict[int, dict] = {0: {}, 1: {}}
    for state, quarters in ((0, PUBLISHED), (1, REVISED)):
        if state == 1:
            correct(engine)
        for label in quarters:
            q = Quarter.parse(label)
            render_quarter(engine, deployment, q, tmp / "out")
            result = publish(engine, deployment, q, tmp / "out", tmp / "store")
            states[(q.slug, result.version)] = state
            with engine.connect() as conn:
                values[state].update(truth(conn, deployment, q))
    with engine.connect() as conn:  # the corrected state of every quarter
        for label in PUBLISHED:
            values[1].update(truth(conn, deployment, Quarter.parse(label)))
    changed = {k for k, v in values[1].items() if k in values[0] and values[0][k] != v}
    return {
        "deployment": deployment,
        "store": tmp / "store",
        "states": states,
        "truth": values,
        "changed": changed,
        "engine": engine,
    }


FIXTURE = Path(__file__).parent / "fixtures" / "differencing_line_by_line.json.gz"


def save_snapshot(built: dict, served: list, path: Path = FIXTURE) -> None:
    """What the attacker read and the truth behind it, as one gzipped JSON (the old rule's outputs)."""
    import gzip
    import json

    doc = {
        "served": [{"quarter": s.quarter, "version": s.version, "district": s.district, "state": s.state,
                    "csvs": s.csvs, "document": s.document} for s in served],
        "truth": {str(st): [[*k, v] for k, v in values.items()] for st, values in built["truth"].items()},
        "changed": sorted(list(k) for k in built["changed"]),
    }  # fmt: skip
    path.write_bytes(gzip.compress(json.dumps(doc, sort_keys=True).encode("utf-8"), mtime=0))


def load_snapshot(path: Path = FIXTURE) -> tuple[list, dict, set]:
    import gzip
    import json

    from tests.attacker import Served

    doc = json.loads(gzip.decompress(path.read_bytes()))
    served = [Served(**s) for s in doc["served"]]
    truth = {int(st): {tuple(row[:3]): row[3] for row in rows} for st, rows in doc["truth"].items()}
    return served, truth, {tuple(k) for k in doc["changed"]}

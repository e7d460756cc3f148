"""One publication set, one plan: absence is never 0 in the model; a first-year partnership publishes.

A partnership whose IDVA, MARAC and police exports begin in April 2025 (the Wyvernshire
example, its earlier files removed) plans 2025-26 Q1, then Q2 against what Q1's slices served,
then Q3: no quarter before its exports and no year ending over months it lacks may enter the
model as 0, or "a year ending is its four quarters" becomes impossible and every slice is refused.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from dasv.config import load_deployment
from dasv.pipeline import load_files
from dasv.privacy import Pseudonymiser
from dasv.quarters import Quarter
from dasv.report.joint import Joint, cells_document, violations
from dasv.report.slices import SliceBuilder
from dasv.sample.adopt import QUARTERS, write_adopt_example
from warehouse.db import open_warehouse

FIRST = date(2025, 4, 1)
MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}


def _keep(path: Path, when) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8")))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0], *(r for r in rows[1:] if when(r))])


@pytest.fixture(scope="module")
def first_year(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("first-year")
    config, inbox = write_adopt_example(tmp)
    config.write_text(config.read_text(encoding="utf-8") + "\nyear_ending_month: 9\n", encoding="utf-8")
    for q in QUARTERS:
        if q.start < FIRST:
            (inbox / "idva" / f"IDVA referrals {q.slug}.xlsx").unlink()
    _keep(inbox / "marac" / "MARAC cases.csv", lambda r: date(int(r[2][6:]), int(r[2][3:5]), int(r[2][:2])) >= FIRST)
    _keep(inbox / "police" / "Wyvernshire DA monthly.csv", lambda r: (2000 + int(r[0][4:]), MONTHS[r[0][:3]]) >= (2025, 4))
    deployment = load_deployment(config)
    engine = open_warehouse(f"sqlite:///{tmp / 'w.db'}")
    load_files(engine, [inbox], deployment, Pseudonymiser("first-year"))
    return deployment, engine


def _served(builder: SliceBuilder) -> dict:
    """What the builder's slices would serve, as the store's cells read back."""
    out = {}
    for d in builder.districts:
        for name, shown in cells_document(builder.joint, d).items():
            out[tuple(name.split("|", 2))] = shown
    return out


def test_a_first_year_partnership_publishes_every_quarter_against_what_it_served(first_year):
    deployment, engine = first_year
    served: dict = {}
    with engine.connect() as conn:
        for q in (Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3)):
            builder = SliceBuilder(conn, deployment, q)
            joint = Joint([builder.plan, builder.year_ending.plan], list(builder.districts), dict(served))
            joint.protect()
            assert violations(joint) == [], q.label
            # nothing before the exports began is in the model: absent, never a 0
            before = {k for k in builder.plan.values if isinstance(k[2], Quarter) and k[2].start < FIRST}
            assert not {k for k in before if not k[1].startswith("month:")}, sorted(before, key=str)[:5]
            served.update(_served(builder))
            builder.report(deployment.districts[0].name)  # drawn, not refused

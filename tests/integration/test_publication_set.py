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
from dasv.report.joint import Joint
from dasv.report.refusals import violations
from dasv.report.served import cells_document
from dasv.report.slices import SliceBuilder
from dasv.sample.adopt import QUARTERS, write_adopt_example
from dasv.warehouse.db import open_warehouse
from tests.conftest import copy_sample

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
    _keep(
        inbox / "marac" / "MARAC cases.csv",
        lambda r: date(int(r[2][6:]), int(r[2][3:5]), int(r[2][:2])) >= FIRST,
    )
    _keep(
        inbox / "police" / "Wyvernshire DA monthly.csv",
        lambda r: (2000 + int(r[0][4:]), MONTHS[r[0][:3]]) >= (2025, 4),
    )
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


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from dasv.sample.write import write_sample_inbox

    tmp = tmp_path_factory.mktemp("demo-store")
    deployment = load_deployment()
    write_sample_inbox(tmp / "inbox")
    engine = open_warehouse(f"sqlite:///{tmp / 'w.db'}")
    load_files(engine, [tmp / "inbox"], deployment, Pseudonymiser("store"))
    return deployment, engine


def _documents(conn, deployment, quarter: Quarter) -> dict:
    """A release's metrics documents as rendering writes them (slices and the public edition), unrendered."""
    from dasv.report.public import PublicEdition

    builder = SliceBuilder(conn, deployment, quarter)
    docs = {d: builder.metrics(d) for d in builder.districts}
    docs[None] = PublicEdition(conn, builder).metrics()
    return docs


def _record(engine, quarter: Quarter, docs: dict) -> None:
    """What publishing records of a version, as the planner reads it (the documents served)."""
    import json
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from dasv.publications import quarter_id
    from dasv.warehouse.models import Publication, PublicationMetrics

    with engine.begin() as conn:
        pid = conn.execute(insert(Publication).values(quarter_id=quarter_id(quarter), version=1, published_at=datetime.now(UTC),
                                                      folder=quarter.slug, metrics_sha256="x").returning(Publication.id)).scalar_one()  # fmt: skip
        conn.execute(insert(PublicationMetrics), [{"publication_id": pid, "district": d, "sha256": "x",
                                                   "document": json.dumps(doc, default=str)} for d, doc in docs.items()])  # fmt: skip


def test_a_release_planned_before_the_store_changed_is_refused_naming_the_cell(demo):
    """The demo's old order: Q3 planned first, then Q1 and Q2 published, then Q3 published as planned."""
    from dasv.publications import PublishError, check_against_store
    from dasv.report.slices import planned_cells

    deployment, engine = demo
    q1, q2, q3 = (Quarter.parse(f"2025-26 Q{n}") for n in (1, 2, 3))
    with engine.connect() as conn:
        stale = _documents(conn, deployment, q3)
        check_against_store(conn, deployment, q3, stale, planned_cells)  # nothing served since: fine
    for q in (q1, q2):
        with engine.connect() as conn:
            docs = _documents(conn, deployment, q)
        _record(engine, q, docs)
    with engine.connect() as conn:
        with pytest.raises(PublishError, match=r"planned before other versions were published.+ is .+ in the rendered "
                                               r"release and must be .+render it again"):  # fmt: skip
            check_against_store(conn, deployment, q3, stale, planned_cells)
        fresh = _documents(conn, deployment, q3)
        check_against_store(
            conn, deployment, q3, fresh, planned_cells
        )  # planned against the store as it is: published
        # a cell withheld in an earlier quarter's version stays withheld in the later quarter
        served = {}
        for d in deployment.districts:
            for doc in (docs[d.name], fresh[d.name]):
                for name, shown in doc["suppression"]["cells"].items():
                    served.setdefault(name, []).append(shown)
        flipped = [
            n
            for n, seen in served.items()
            if isinstance(seen[0], str) and any(not isinstance(s, str) for s in seen[1:])
        ]
        assert flipped == []


def test_every_output_states_the_configured_threshold(tmp_path):
    """With suppression.threshold: 10, nothing says <5 or "1 to 4": the rule's words come from one module."""
    import json
    import re
    import zipfile
    from datetime import UTC, datetime

    from pypdf import PdfReader

    from dasv.pipeline import render_quarter
    from dasv.portal.feed import feed_rows
    from dasv.sample.write import write_sample_inbox

    deployment = load_deployment()
    deployment.suppression.threshold = 10
    write_sample_inbox(tmp_path / "inbox")
    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    load_files(engine, [tmp_path / "inbox"], deployment, Pseudonymiser("ten"))
    outputs = render_quarter(engine, deployment, Quarter.parse("2025-26 Q3"), tmp_path / "out")
    texts = {}
    for made in outputs.values():
        for path in made.values():
            if path.suffix == ".pdf":
                texts[path] = " ".join(page.extract_text() for page in PdfReader(path).pages)
            elif path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as book:
                    texts[path] = " ".join(
                        book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")
                    )
            else:
                texts[path] = path.read_text(encoding="utf-8")
    fenland = json.loads(outputs["Fenland"]["metrics"].read_text())
    rows = feed_rows([("2025-26 Q3", 1, datetime.now(UTC), fenland)], "Fenland")
    texts["feed"] = " ".join(str(r.suppression) for r in rows)
    old = re.compile(r"<5\b|&lt;5\b|1 to 4\b|1–4\b")
    assert not {str(p): old.search(t).group(0) for p, t in texts.items() if old.search(t)}
    said = " ".join(texts.values())
    assert "<10" in said and "1 to 9" in said and "<10" in texts["feed"]
    assert "1 to 9" in texts[outputs["county"]["xlsx"]] and "1 to 9" in texts[outputs["Fenland"]["html"]]


def test_a_table_printing_a_figure_it_did_not_register_cannot_render(first_year, tmp_path):
    """The registry: every count a protected table prints is a registered figure; a bare number is refused."""
    from dasv.report.registry import Shown, UnregisteredFigure
    from dasv.report_templates.render import render_outputs

    deployment, engine = first_year
    with engine.connect() as conn:
        builder = SliceBuilder(conn, deployment, Quarter(2025, 3))
    name = deployment.districts[0].name
    report = builder.report(name)
    table = report.tables[-1]
    assert all(isinstance(c, Shown | str) or not isinstance(c, int) for row in table.rows for c in row)
    table.rows.append(["Crimes of a new offence group", 3] + [None] * (len(table.columns) - 2))
    with pytest.raises(UnregisteredFigure, match=r"prints 3 in the row 'Crimes of a new offence group'"):
        render_outputs(report, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.*"))
    table.rows[-1][1] = Shown(3, (name, "crime:new_group", Quarter(2025, 3)))  # registered: drawn
    assert render_outputs(report, tmp_path / "out")["pdf"].exists()


def test_a_release_that_cannot_be_made_safe_is_refused_before_anything_is_drawn(first_year, tmp_path):
    """A store an older version served, with a year ending entered as 0 over months before the exports began:
    one message naming the cell and what to change, and no county PDF, spreadsheet, JSON or CSV written."""
    import shutil

    from dasv.pipeline import render_quarter
    from dasv.report.refusals import DisclosureError

    deployment, engine = first_year
    copy = tmp_path / "w.db"
    shutil.copy(engine.url.database, copy)
    older = open_warehouse(f"sqlite:///{copy}")
    name = deployment.districts[0].name
    _record(
        older,
        Quarter(2025, 1),
        {name: {"suppression": {"cells": {f"{name}|total_referrals|YE Sep 2025": 0}}}},
    )
    with pytest.raises(DisclosureError) as refused:
        render_quarter(older, deployment, Quarter(2025, 3), tmp_path / "out")
    message = str(refused.value)
    assert message.startswith("The 2025-26 Q3 release is not safe to publish, so nothing was drawn: ")
    assert "IDVA referrals, YE Sep 2025" in message and "contradict each other" in message
    assert "To publish: check that every one of these figures covers the whole period" in message
    assert "e+" not in message and "1.79" not in message
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_an_earlier_quarter_of_the_year_publishes_again_after_a_later_one(sample_template, tmp_path):
    """2025-26 Q3 served first, then Q1 planned against it (an operator's rerun): it can be made safe.

    Before, Q1 was refused: Q3's zeros (Peterborough's 0 referrals in 2024-25 Q4) pinned the
    complements the plan chose under them, and a district's MARAC count was fixed by the served
    county figure.
    """
    deployment = load_deployment()
    engine = open_warehouse(f"sqlite:///{copy_sample(sample_template, tmp_path).db}")
    q1, q3 = Quarter.parse("2025-26 Q1"), Quarter.parse("2025-26 Q3")
    with engine.connect() as conn:
        served = _documents(conn, deployment, q3)
    _record(engine, q3, served)
    with engine.connect() as conn:
        again = SliceBuilder(conn, deployment, q1)
    assert again.unsafe == []
    # a report row whose areas leave a district out has no cell of it: not 0, not planned
    row = "row:CYP Cambs 13–17:total_referrals"
    assert ("Peterborough", row, q1) not in again.plan.values
    assert ("Fenland", row, q1) in again.plan.values
    engine.dispose()


def test_the_year_ending_for_a_district_withholds_what_its_published_slice_withholds(
    sample_template, tmp_path
):
    """`dasv metrics --year-ending --district`: the slice's markers, never a count the slice withholds.

    (It planned one year line by line: Cambridge City's weapons offences 6 and MARAC cases heard
    153 where the slice printed [c].)
    """
    from dasv.measures.year_ending import latest_year_ending
    from dasv.report.year_ending import YearEndingFigures

    deployment = load_deployment()
    engine = open_warehouse(f"sqlite:///{copy_sample(sample_template, tmp_path).db}")
    q3, name = Quarter.parse("2025-26 Q3"), "Cambridge City"
    with engine.connect() as conn:
        served = _documents(conn, deployment, q3)
    _record(engine, q3, served)
    year = latest_year_ending(q3.end, deployment.year_ending_month)
    with engine.connect() as conn:
        figures = YearEndingFigures(conn, deployment, year)
        figures.plan_jointly(conn)
        doc = figures.district_document(name, year)
    engine.dispose()
    police = doc["police"]["by_area"][name]
    shown = {**{k: police[k] for k in ("da_crimes", "da_incidents")}, **doc["marac"]["by_area"][name],
             **doc["idva"]["by_area"][name]}  # fmt: skip
    shown |= {
        f"police.offence_group:{g}": v["da_crimes"] for g, v in (police["by_offence_group"] or {}).items()
    }
    withheld = {
        key.split("|")[1]: marker
        for key, marker in served[name]["suppression"]["cells"].items()
        if key.startswith(f"{name}|") and key.endswith(f"|{year.short}") and isinstance(marker, str)
    }
    checked = [m for m in withheld if m in shown or m.removeprefix("police.") in shown]
    assert checked, withheld
    for measure in checked:
        assert shown.get(measure, shown.get(measure.removeprefix("police."))) == withheld[measure], measure

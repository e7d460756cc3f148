"""The public set as the attacker holds it: publication stores built by the real pipeline.

Four scenarios of issue 31 (``tests/integration/test_attack_public.py``), each a publication store
made the way an operator makes one — load the demo's sample inbox, ``render_quarter``, ``publish``
(the plain functions ``dasv report`` / ``dasv publish`` / ``dasv demo`` call):

- ``in_order``: 2025-26 Q1, Q2 and Q3, each rendered and published before the next is rendered;
- ``out_of_order``: as ``dasv demo`` does it: Q3 rendered first, then Q1 and Q2 rendered and
  published, then the Q3 render published;
- ``revised``: ``in_order``, then a correction to the IDVA export of Q2 (two South Cambridgeshire
  referrals re-coded as engaged, as a reload of the corrected export would) and Q2 and Q3 published
  again (version 2);
- ``threshold_10``: ``in_order`` with ``suppression.threshold: 10`` in a copy of the deployment YAML.

The three scenarios of the shipped configuration share one loaded warehouse and their common
renders (SQLite files are copied where they diverge), so the four take nine quarter renders.

Each comes with the truth behind it (the warehouse's unsuppressed figures, from the measures
layer) only to check the attacker's identities and to tell whether a ``[c]`` hides a small count;
the attacker itself reads nothing but the store's bytes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dasv.config import DEFAULT_CONFIG, Deployment, load_deployment
from dasv.pipeline import load_files, publish, render_quarter
from dasv.privacy import Pseudonymiser
from dasv.publications import PublishError
from dasv.quarters import Quarter
from dasv.sample.write import write_sample_inbox
from dasv.warehouse.db import open_warehouse

QUARTERS = ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3"]
Key = tuple[str, str, str]  # (area, measure, period), as tests/attacker.py names them


@dataclass
class PublicSet:
    """One scenario's publication store and what the test needs beside it."""

    name: str
    store: Path
    deployment: Deployment
    states: dict[tuple[str, int], int]  # (quarter slug, version) -> data state (0 before a correction)
    truth: dict[int, dict[Key, int]]  # data state -> true value of every figure the measures layer has
    changed: set[Key] = field(default_factory=set)  # figures whose true value differs between states
    log: list[str] = field(default_factory=list)  # what the builder did (publish messages)


def loaded_warehouse(tmp: Path) -> tuple[Path, Path]:
    """The demo's sample inbox loaded into a fresh SQLite warehouse: (database file, inbox)."""
    inbox = tmp / "inbox"
    write_sample_inbox(inbox)
    database = tmp / "loaded.db"
    engine = open_warehouse(f"sqlite:///{database}")
    load_files(engine, [inbox], load_deployment(), Pseudonymiser("public-set-key"))
    engine.dispose()
    return database, inbox


def _copy_db(src: Path, dst: Path):
    shutil.copyfile(src, dst)
    return open_warehouse(f"sqlite:///{dst}")


def _copy_store(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)  # keeps the write-once files read-only; new versions go in new folders
    dst.chmod(0o755)


def _render(engine, deployment, label: str, out: Path, inbox: Path) -> None:
    render_quarter(engine, deployment, Quarter.parse(label), out, commentary_dir=inbox / "commentary")


def _publish(engine, deployment, label: str, out: Path, store: Path, log: list[str]) -> int:
    result = publish(engine, deployment, Quarter.parse(label), out, store)
    log.append(result.message)
    return result.version


def _publish_or_replan(
    engine, deployment, label: str, out: Path, store: Path, inbox: Path, log: list[str]
) -> int:
    """Publish a render; if publishing refuses it as planned against an older store, render again and publish.

    (Issue 31 item 5 lets ``publish`` re-plan or refuse a stale release; an operator who is refused
    renders again. Either way what ends up in the store is what the attacker reads.)
    """
    try:
        return _publish(engine, deployment, label, out, store, log)
    except PublishError as exc:
        log.append(f"refused: {exc}; rendered again")
        _render(engine, deployment, label, out, inbox)
        return _publish(engine, deployment, label, out, store, log)


def build_shipped(tmp: Path, database: Path, inbox: Path) -> dict[str, PublicSet]:
    """``in_order``, ``out_of_order`` and ``revised`` with the shipped configuration, sharing renders."""
    from tests.differencing import correct

    deployment = load_deployment()
    a_db, a_store, a_out, a_log = tmp / "a.db", tmp / "a-store", tmp / "a-out", []
    engine = _copy_db(database, a_db)
    _render(engine, deployment, QUARTERS[2], tmp / "b-out", inbox)  # dasv demo: Q3 rendered first
    states_ab = {}
    for label in QUARTERS[:2]:
        _render(engine, deployment, label, a_out, inbox)
        states_ab[(Quarter.parse(label).slug, _publish(engine, deployment, label, a_out, a_store, a_log))] = 0
    engine.dispose()
    # out of order: the early Q3 render published on top of Q1 and Q2
    b_store, b_log = tmp / "b-store", list(a_log)
    _copy_store(a_store, b_store)
    engine_b = _copy_db(a_db, tmp / "b.db")
    engine = open_warehouse(f"sqlite:///{a_db}")
    version = _publish_or_replan(engine_b, deployment, QUARTERS[2], tmp / "b-out", b_store, inbox, b_log)
    states_b = {**states_ab, (Quarter.parse(QUARTERS[2]).slug, version): 0}
    truth0 = truth_of(engine_b, deployment, QUARTERS)
    engine_b.dispose()
    # in order: Q3 rendered after Q1 and Q2 were published
    _render(engine, deployment, QUARTERS[2], a_out, inbox)
    states_a = {
        **states_ab,
        (
            Quarter.parse(QUARTERS[2]).slug,
            _publish(engine, deployment, QUARTERS[2], a_out, a_store, a_log),
        ): 0,
    }
    in_order_store = tmp / "in-order-store"
    _copy_store(a_store, in_order_store)
    # revised: a correction to Q2's IDVA export, then Q2 and Q3 published again
    c_log = list(a_log)
    correct(engine)
    states_c = dict(states_a)
    for label in QUARTERS[1:]:
        _render(engine, deployment, label, a_out, inbox)
        version = _publish(engine, deployment, label, a_out, a_store, c_log)
        assert version == 2, c_log[-1]
        states_c[(Quarter.parse(label).slug, version)] = 1
    truth1 = truth_of(engine, deployment, QUARTERS)
    engine.dispose()
    changed = {k for k, v in truth1.items() if k in truth0 and truth0[k] != v}
    assert changed, "the correction changed nothing"
    return {
        "in_order": PublicSet("in_order", in_order_store, deployment, states_a, {0: truth0}, log=a_log),
        "out_of_order": PublicSet("out_of_order", b_store, deployment, states_b, {0: truth0}, log=b_log),
        "revised": PublicSet(
            "revised", a_store, deployment, states_c, {0: truth0, 1: truth1}, changed, c_log
        ),
    }


def build_threshold(tmp: Path, database: Path, inbox: Path, threshold: int = 10) -> PublicSet:
    """``in_order`` under a copy of the shipped deployment YAML with ``suppression.threshold`` changed."""
    raw = yaml.safe_load(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    raw.setdefault("suppression", {})["threshold"] = threshold
    config = tmp / f"threshold-{threshold}.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    deployment = load_deployment(config)
    assert deployment.suppression.threshold == threshold
    engine = _copy_db(database, tmp / f"t{threshold}.db")
    store, out, log, states = tmp / f"t{threshold}-store", tmp / f"t{threshold}-out", [], {}
    for label in QUARTERS:
        _render(engine, deployment, label, out, inbox)
        states[(Quarter.parse(label).slug, _publish(engine, deployment, label, out, store, log))] = 0
    truth = truth_of(engine, deployment, QUARTERS)
    engine.dispose()
    return PublicSet(f"threshold_{threshold}", store, deployment, states, {0: truth}, log=log)


def truth_of(engine, deployment: Deployment, published: list[str]) -> dict[Key, int]:
    """Every figure's true value the measures layer gives, in the attacker's names.

    From the county metrics document of each quarter a published quarter shows (it holds every
    district's IDVA and police counts), the year-ending documents, the monthly series and, where
    the slice builder exposes its unsuppressed plan (main's ``SliceBuilder.plan``), the district
    rows the measures layer has no public function for (MARAC, specialism rows, demographics).
    """
    from dasv.measures.document import metrics_document
    from dasv.measures.series import monthly_series
    from dasv.measures.year_ending import YearEnding, year_ending_document
    from tests.tables import COUNTY, flatten_document, period_of_month

    truth: dict[Key, int] = {}
    last = Quarter.parse(published[-1])
    quarters, q = [], last
    for _ in range(len(published) + 8):
        quarters.append(q)
        q = q.previous()
    with engine.connect() as conn:
        for q in quarters:
            try:
                doc = metrics_document(conn, deployment, q, context=False)
            except Exception:  # noqa: BLE001 - a quarter with nothing loaded has no truth
                continue
            for key, value in flatten_document(doc, COUNTY, q.label, deployment):
                if isinstance(value, int) and not isinstance(value, bool):
                    truth.setdefault(key, value)
        for months in range(0, 48, 3):
            year = YearEnding.parse(_year_label(last, months))
            try:
                doc = year_ending_document(conn, deployment, year)
            except Exception:  # noqa: BLE001
                continue
            for key, value in flatten_document({"year_ending": doc}, COUNTY, last.label, deployment):
                if isinstance(value, int) and not isinstance(value, bool):
                    truth.setdefault(key, value)
        series = monthly_series(conn, deployment, last)
        for (measure, area, month), value in series.values.items():
            who = (
                COUNTY
                if area == "county"
                else (deployment.police_reporting_area.name if area == "reporting_area" else area)
            )
            truth.setdefault((who, measure.split(".", 1)[1], period_of_month(month)), value)
        for label in published:
            try:
                from tests.differencing import truth as plan_truth

                for key, value in plan_truth(conn, deployment, Quarter.parse(label)).items():
                    if isinstance(value, int) and not isinstance(value, bool):
                        truth.setdefault(key, value)
            except Exception:  # noqa: BLE001 - the slice builder no longer exposes an unsuppressed plan
                pass
    return truth


def _year_label(quarter: Quarter, months_back: int) -> str:
    end = quarter.months[-1]
    index = end.year * 12 + end.month - 1 - months_back
    return f"{index // 12}-{index % 12 + 1:02d}"


def build_all(tmp: Path) -> dict[str, PublicSet]:
    """The four scenarios (about nine quarter renders)."""
    database, inbox = loaded_warehouse(tmp)
    sets = build_shipped(tmp, database, inbox)
    sets["threshold_10"] = build_threshold(tmp, database, inbox, 10)
    return sets

"""Retention: `dasv purge --before` deletes old facts and their loads in one transaction, logged."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from dasv.pipeline import load_files
from dasv.quarters import Quarter
from dasv.warehouse.models import IdvaReferral, LoadBatch, PoliceMonth
from dasv.warehouse.purge import purge_before
from tests.files import IDVA_HEADER, idva_rows, write_csv


def _load(engine, tmp_path, deployment, pseudonymiser):
    write_csv(
        tmp_path / "in" / "idva" / "old.csv",
        [IDVA_HEADER + ["Specialism"], *[r + ["Housing"] for r in idva_rows(4, day="03/10/2019")]],
    )
    write_csv(tmp_path / "in" / "idva" / "new.csv", [IDVA_HEADER, *idva_rows(3, start=10)])
    write_csv(tmp_path / "in" / "police" / "p.csv", [["Month", "District", "DA Incidents", "DA Crimes"],
                                                     ["2019-10", "Fenland", 5, 2], ["2025-10", "Fenland", 6, 3]])  # fmt: skip
    load_files(engine, [tmp_path / "in"], deployment, pseudonymiser, today=date(2026, 1, 10))


def test_dry_run_counts_and_deletes_nothing(engine, tmp_path, deployment, pseudonymiser):
    _load(engine, tmp_path, deployment, pseudonymiser)
    counts = purge_before(engine, Quarter.parse("2020-21 Q1"), dry_run=True)
    assert counts == {"idva_referral_specialism": 4, "idva_referral": 4, "marac_case": 0, "police_month": 1,
                      "police_offence_month": 0, "load_coverage": 2, "load_batch": 1}  # fmt: skip
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(IdvaReferral)) == 7


def test_purge_deletes_old_facts_keeps_new_and_is_logged(engine, tmp_path, deployment, pseudonymiser):
    _load(engine, tmp_path, deployment, pseudonymiser)
    purge_before(engine, Quarter.parse("2020-21 Q1"))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(IdvaReferral)) == 3
        assert list(conn.scalars(select(PoliceMonth.month))) == [date(2025, 10, 1)]
        batches = conn.execute(
            select(LoadBatch.kind, LoadBatch.file_name, LoadBatch.repairs).order_by(LoadBatch.id)
        ).all()
    assert [b.file_name for b in batches] == ["idva/new.csv", "police/p.csv", "purge before 2020-21 Q1"]
    assert json.loads(batches[-1].repairs)["idva_referral"] == 4

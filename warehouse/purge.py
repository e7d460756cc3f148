"""Retention: delete facts (and the loads that supplied only them) older than a quarter.

One transaction under the warehouse load lock; a dry run counts without deleting; every
purge is recorded as a batch of its own (kind ``purge``) with what it deleted.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, func, insert, select, update

from dasv.quarters import Quarter
from dasv.warehouse.load import lock_warehouse, refresh_derived
from dasv.warehouse.models import (
    IdvaReferral,
    IdvaReferralSpecialism,
    LoadBatch,
    LoadCoverage,
    MaracCase,
    PoliceMonth,
    PoliceOffenceMonth,
)
from dasv.warehouse.repeats import REPEAT_TABLES


def purge_before(engine: Engine, quarter: Quarter, dry_run: bool = False) -> dict[str, int]:
    """Delete every fact of quarters before ``quarter``; return rows deleted (or that would be) per table."""
    qid = quarter.fy_start * 10 + quarter.number
    old_referrals = select(IdvaReferral.id).where(IdvaReferral.quarter_id < qid)
    kept = select(LoadCoverage.batch_id).where(LoadCoverage.quarter_id >= qid)
    old_batches = select(LoadBatch.id).where(LoadBatch.kind == "load", LoadBatch.id.not_in(kept))
    with engine.begin() as conn:
        lock_warehouse(conn)
        count = {
            "idva_referral_specialism": select(func.count()).select_from(IdvaReferralSpecialism)
            .where(IdvaReferralSpecialism.referral_id.in_(old_referrals)),
            "idva_referral": select(func.count()).select_from(IdvaReferral).where(IdvaReferral.quarter_id < qid),
            "marac_case": select(func.count()).select_from(MaracCase).where(MaracCase.quarter_id < qid),
            "police_month": select(func.count()).select_from(PoliceMonth).where(PoliceMonth.quarter_id < qid),
            "police_offence_month": select(func.count()).select_from(PoliceOffenceMonth)
            .where(PoliceOffenceMonth.quarter_id < qid),
            "load_coverage": select(func.count()).select_from(LoadCoverage).where(LoadCoverage.quarter_id < qid),
            "load_batch": select(func.count()).select_from(old_batches.subquery()),
        }  # fmt: skip
        counts = {table: int(conn.scalar(query)) for table, query in count.items()}
        if dry_run:
            return counts
        batch_ids = list(conn.scalars(old_batches))
        conn.execute(
            delete(IdvaReferralSpecialism).where(IdvaReferralSpecialism.referral_id.in_(old_referrals))
        )
        for model in (IdvaReferral, MaracCase, PoliceMonth, PoliceOffenceMonth, LoadCoverage):
            conn.execute(delete(model).where(model.quarter_id < qid))
        for source in REPEAT_TABLES:  # the months purged go, and the first year kept loses its history
            refresh_derived(conn, source, date.min.toordinal(), quarter.start.toordinal() - 1)
        if batch_ids:
            conn.execute(
                update(LoadCoverage)
                .where(LoadCoverage.superseded_by.in_(batch_ids))
                .values(superseded_by=None)
            )
            conn.execute(
                update(LoadBatch).where(LoadBatch.superseded_by.in_(batch_ids)).values(superseded_by=None)
            )
            conn.execute(delete(LoadBatch).where(LoadBatch.id.in_(batch_ids)))
        conn.execute(
            insert(LoadBatch).values(
                kind="purge", source="all", file_name=f"purge before {quarter.label}", sha256="",
                rows_read=0, rows_loaded=0, rows_refused=0, rows_skipped=0,
                repairs=json.dumps(counts), loaded_at=datetime.now(UTC),
            )
        )  # fmt: skip
    return counts

"""Write one validated export into the warehouse: all or nothing, idempotent, with lineage.

A load is one transaction:

1. take the warehouse load lock (PostgreSQL advisory lock; SQLite ``BEGIN IMMEDIATE``),
   so two loads never interleave, even from two machines;
2. refuse to mix pseudonym keys (the key's fingerprint is stored on first load);
3. skip a file whose checksum is already loaded and in use, unless ``reload``;
4. delete this source's facts for the periods the file covers (quarters for IDVA and
   MARAC, months for the police counts and the police offence-group export) and mark the batches that supplied them as superseded;
5. insert the batch, its coverage and its facts;
6. refresh what is derived from the facts the change can affect: stored repeats
   (``warehouse/repeats.py``) and monthly counts (``warehouse/monthly.py``).

If anything fails, or the process is killed, the transaction rolls back and the
warehouse is as it was before the file.

The steps' parts live beside this module: the pseudonym key's check and the hashing of identifiers
(``warehouse/pseudonyms.py``), the quarters, areas and specialisms facts refer to
(``warehouse/dimensions.py``), and writing and checking the facts themselves (``warehouse/facts.py``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from dasv.config import Deployment
from dasv.loaders.export import Export
from dasv.loaders.spec import MONTHLY_SOURCES
from dasv.privacy import Pseudonymiser
from dasv.progress import Progress, gc_paused
from dasv.quarters import Quarter, month_label
from dasv.warehouse.db import WarehouseError
from dasv.warehouse.dimensions import ensure_dimensions, quarter_id
from dasv.warehouse.facts import insert_facts
from dasv.warehouse.models import (
    IdvaReferral,
    IdvaReferralSpecialism,
    LoadBatch,
    LoadCoverage,
    MaracCase,
    PoliceMonth,
    PoliceOffenceMonth,
)
from dasv.warehouse.monthly import refresh_monthly
from dasv.warehouse.pseudonyms import check_key
from dasv.warehouse.repeats import REPEAT_TABLES, refresh_repeats

LOAD_LOCK_ID = 0x64617376  # "dasv": one advisory lock for all warehouse writes
FACT_TABLES = {
    "idva": IdvaReferral,
    "marac": MaracCase,
    "police": PoliceMonth,
    "offences": PoliceOffenceMonth,
}


@dataclass
class LoadOutcome:
    """What happened to one file.

    Attributes:
        status: ``loaded``, ``skipped`` (already loaded) or ``refused``.
        replaced: period -> rows of earlier loads that this load replaced.
        superseded: ids of batches now wholly superseded by this one.
    """

    status: str
    file: str
    source: str | None
    batch_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    periods: list[str] = field(default_factory=list)
    replaced: dict[str, int] = field(default_factory=dict)
    superseded: list[int] = field(default_factory=list)
    message: str = ""


def lock_warehouse(conn: Connection) -> None:
    """Serialise writers: an advisory transaction lock on PostgreSQL (SQLite already holds its write lock)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOAD_LOCK_ID})


def loaded_batch(conn: Connection, sha256: str, source: str | None = None):
    """The batch in use that loaded a file with these bytes (of ``source``, when known), or None.

    Such a file is skipped unless reload is asked for (README.md, "Using it"; docs/operations.md, "Safe reruns").
    A batch whose periods later exports have all replaced is no longer in use: its file loads again.
    """
    query = select(LoadBatch.id, LoadBatch.source, LoadBatch.rows_read, LoadBatch.rows_refused).where(
        LoadBatch.sha256 == sha256, LoadBatch.kind == "load", LoadBatch.superseded_by.is_(None)
    )
    if source is not None:  # a folder's source: any kind of export that folder holds (police: offences too)
        from dasv.loaders.spec import kinds_in

        query = query.where(LoadBatch.source.in_(kinds_in(source)))
    return conn.execute(query.order_by(LoadBatch.id)).first()


def skipped_message(batch_id: int) -> str:
    """Why a file was skipped."""
    return f"already loaded as batch {batch_id} (same SHA-256), so nothing changed"


def coverage_of(export: Export) -> dict[str, tuple[Quarter, int]]:
    """The periods a file covers: period label -> (its quarter, rows in it)."""
    monthly = export.source in MONTHLY_SOURCES
    field = "month" if monthly else "referral_date"
    by_day = Counter(export.data[field])
    by_month: Counter = Counter()
    for day, n in by_day.items():
        by_month[(day.year, day.month)] += n
    counts: Counter[str] = Counter()
    quarters: dict[str, Quarter] = {}
    for (year, month), n in by_month.items():
        first = date(year, month, 1)
        quarter = Quarter.containing(first)
        period = month_label(first) if monthly else quarter.label
        counts[period] += n
        quarters[period] = quarter
    return {p: (quarters[p], n) for p, n in sorted(counts.items())}


def load_export(
    engine: Engine,
    export: Export,
    pseudonymiser: Pseudonymiser,
    deployment: Deployment,
    reload: bool = False,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> LoadOutcome:
    """Load one validated export in a single transaction (see the module docstring).

    Raises:
        KeyMismatchError: the warehouse belongs to another pseudonym key.
        WarehouseError: the database failed during the load (connection cut, server gone,
            disk full); the transaction was rolled back, so nothing of the file is in it.
    """
    name = file_name or export.path.name
    outcome = LoadOutcome("refused", name, export.source, rows_read=export.rows_read)
    if export.refused:
        outcome.message = f"refused: {export.problem_count} problem(s); nothing loaded"
        return outcome
    try:
        with gc_paused():
            return _load(engine, export, pseudonymiser, deployment, reload, name, outcome, progress)
    except WarehouseError as exc:
        raise WarehouseError(
            f"{name}: {exc}; the load was rolled back, so nothing from it was loaded"
        ) from exc
    except (DBAPIError, *_driver_errors()) as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise WarehouseError(
            f"{name}: the warehouse failed during the load ({cause[0] if cause else type(exc).__name__}); "
            "the transaction was rolled back, so nothing from it was loaded"
        ) from exc


def _driver_errors() -> tuple[type[Exception], ...]:
    """The database drivers' own errors (COPY and executemany use the driver directly)."""
    import sqlite3

    errors: list[type[Exception]] = [sqlite3.Error]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


def _load(
    engine: Engine,
    export: Export,
    pseudonymiser: Pseudonymiser,
    deployment: Deployment,
    reload: bool,
    name: str,
    outcome: LoadOutcome,
    progress: Progress | None,
) -> LoadOutcome:
    coverage = coverage_of(export)
    with engine.begin() as conn:
        lock_warehouse(conn)
        check_key(conn, pseudonymiser)
        already = loaded_batch(conn, export.sha256, export.source)
        if already and not reload:
            outcome.status, outcome.batch_id = "skipped", already.id
            outcome.message = skipped_message(already.id)
            return outcome
        dims = ensure_dimensions(conn, deployment, {q for q, _ in coverage.values()})
        batch_id = _record_batch(conn, export, name, pseudonymiser)
        outcome.replaced = _replace_periods(conn, export.source, coverage, batch_id)
        outcome.superseded = _mark_superseded(conn, batch_id)
        conn.execute(
            insert(LoadCoverage),
            [
                {"batch_id": batch_id, "period": p, "quarter_id": quarter_id(q), "rows": n}
                for p, (q, n) in coverage.items()
            ],
        )
        insert_facts(conn, export, batch_id, dims, pseudonymiser, progress)
        if export.source in REPEAT_TABLES:
            quarters = [q for q, _ in coverage.values()]
            first, last = min(q.start for q in quarters), max(q.end for q in quarters)
            refresh_derived(conn, export.source, first.toordinal(), last.toordinal())
    outcome.status, outcome.batch_id = "loaded", batch_id
    outcome.rows_loaded = export.row_count
    if engine.dialect.name == "postgresql" and export.row_count >= 10_000:
        # COPY leaves the planner's statistics stale; measures on a big fresh load need them
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"ANALYZE {FACT_TABLES[export.source].__tablename__}"))
    outcome.periods = list(coverage)
    replaced = sum(outcome.replaced.values())
    outcome.message = (
        f"loaded {outcome.rows_loaded} rows as batch {batch_id} ({periods_text(list(coverage))})"
        + (f"; replaced {replaced} rows loaded earlier" if replaced else "")
    )
    return outcome


def _record_batch(conn: Connection, export: Export, name: str, pseudonymiser: Pseudonymiser) -> int:
    """A new load batch for ``export``, recorded with its file, counts, repairs and key; its id."""
    return conn.execute(
        insert(LoadBatch)
        .values(
            kind="load",
            source=export.source,
            file_name=name,
            sha256=export.sha256,
            sheet=export.sheet,
            rows_read=export.rows_read,
            rows_loaded=export.row_count,
            rows_refused=export.rows_refused,
            rows_skipped=export.skipped_blank + export.skipped_total,
            repairs=json.dumps(dict(export.repairs)) if export.repairs else None,
            key_fingerprint=pseudonymiser.fingerprint,
            loaded_at=datetime.now(UTC),
        )
        .returning(LoadBatch.id)
    ).scalar_one()


def refresh_derived(conn: Connection, source: str, first_day: int, last_day: int) -> None:
    """Bring what is derived from ``source``'s facts up to date after a change between two days.

    The stored repeats first, then the monthly counts that include them.
    """
    refresh_repeats(conn, REPEAT_TABLES[source], first_day, last_day)
    refresh_monthly(conn, source, first_day, last_day)


def periods_text(periods: list[str]) -> str:
    """``2025-26 Q1, 2025-26 Q2`` or, for many, ``2021-10 to 2025-03: 42 months``."""
    if len(periods) <= 6:
        return ", ".join(periods)
    unit = "months" if "Q" not in periods[0] else "quarters"
    return f"{periods[0]} to {periods[-1]}: {len(periods)} {unit}"


def _replace_periods(conn: Connection, source: str, coverage: dict, batch_id: int) -> dict[str, int]:
    """Delete this source's facts in the covered periods; point their coverage at the new batch."""
    periods = list(coverage)
    replaced: dict[str, int] = {}
    old = conn.execute(
        select(LoadCoverage.period, func.sum(LoadCoverage.rows))
        .join(LoadBatch, LoadBatch.id == LoadCoverage.batch_id)
        .where(
            LoadBatch.source == source, LoadCoverage.period.in_(periods), LoadCoverage.superseded_by.is_(None)
        )
        .group_by(LoadCoverage.period)
    ).all()
    replaced = {p: int(n) for p, n in old}
    if not replaced:
        return replaced
    table = FACT_TABLES[source]
    if source in MONTHLY_SOURCES:
        months = [datetime.strptime(p, "%Y-%m").date() for p in replaced]
        where = table.month.in_(months)
    else:
        quarter_ids = [quarter_id(Quarter.parse(p)) for p in replaced]
        where = table.quarter_id.in_(quarter_ids)
    if source == "idva":
        conn.execute(
            delete(IdvaReferralSpecialism).where(
                IdvaReferralSpecialism.referral_id.in_(select(IdvaReferral.id).where(where))
            )
        )
    conn.execute(delete(table).where(where))
    batches = select(LoadBatch.id).where(LoadBatch.source == source)
    conn.execute(
        update(LoadCoverage)
        .where(
            LoadCoverage.batch_id.in_(batches),
            LoadCoverage.period.in_(list(replaced)),
            LoadCoverage.superseded_by.is_(None),
        )
        .values(superseded_by=batch_id)
    )
    return replaced


def _mark_superseded(conn: Connection, batch_id: int) -> list[int]:
    """Batches none of whose periods are still in use now point at ``batch_id``."""
    touched = set(conn.scalars(select(LoadCoverage.batch_id).where(LoadCoverage.superseded_by == batch_id)))
    done = []
    for old_id in sorted(touched):
        live = conn.scalar(
            select(func.count())
            .select_from(LoadCoverage)
            .where(LoadCoverage.batch_id == old_id, LoadCoverage.superseded_by.is_(None))
        )
        if not live:
            conn.execute(
                update(LoadBatch)
                .where(LoadBatch.id == old_id)
                .values(superseded_by=batch_id, superseded_at=datetime.now(UTC))
            )
            done.append(old_id)
    return done

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
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from operator import itemgetter

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from dasv.config import Deployment
from dasv.privacy import Pseudonymiser
from dasv.progress import Progress, gc_paused
from dasv.quarters import Quarter, month_label
from loaders import Export
from loaders.export import PROGRESS_EVERY
from loaders.values import specialisms_of
from warehouse.db import WarehouseError
from warehouse.models import (
    AreaDim,
    IdvaReferral,
    IdvaReferralSpecialism,
    LoadBatch,
    LoadCoverage,
    MaracCase,
    PoliceMonth,
    PoliceOffenceMonth,
    QuarterDim,
    SpecialismDim,
    WarehouseMeta,
)
from warehouse.monthly import refresh_monthly
from warehouse.repeats import REPEAT_TABLES, refresh_repeats

PERSON_DAY = ("person_key", "referral_day")  # the repeat lookup's index (ix_*_person_day)
LOAD_LOCK_ID = 0x64617376  # "dasv": one advisory lock for all warehouse writes
FACT_TABLES = {
    "idva": IdvaReferral,
    "marac": MaracCase,
    "police": PoliceMonth,
    "offences": PoliceOffenceMonth,
}
MONTHLY_SOURCES = ("police", "offences")  # aggregates by month: their loads cover and replace months


class KeyMismatchError(RuntimeError):
    """The warehouse was written with another pseudonym key."""


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


def check_key(conn: Connection, pseudonymiser: Pseudonymiser) -> None:
    """Record the key's fingerprint on first use; refuse a different key afterwards.

    Raises:
        KeyMismatchError: person keys made with another secret would never match these.
    """
    stored = _stored_fingerprint(conn)
    if stored is None:
        conn.execute(insert(WarehouseMeta).values(key="key_fingerprint", value=pseudonymiser.fingerprint))
    elif stored != pseudonymiser.fingerprint:
        raise KeyMismatchError(
            "this warehouse was written with a different DASV_PSEUDONYM_KEY (fingerprint "
            f"{stored}, this run {pseudonymiser.fingerprint}); loading would mix person keys "
            "that can never match. Use the warehouse's own key, or a new warehouse."
        )


def ensure_dimensions(conn: Connection, deployment: Deployment, quarters: set[Quarter]) -> dict:
    """Insert missing quarters, areas and specialisms; return name -> id lookups."""
    have_q = set(conn.scalars(select(QuarterDim.id)))
    new_q = [q for q in quarters if _quarter_id(q) not in have_q]
    if new_q:
        conn.execute(
            insert(QuarterDim),
            [
                {
                    "id": _quarter_id(q),
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


def _quarter_id(q: Quarter) -> int:
    return q.fy_start * 10 + q.number


def loaded_batch(conn: Connection, sha256: str, source: str | None = None):
    """The batch in use that loaded a file with these bytes (of ``source``, when known), or None.

    Such a file is skipped unless reload is asked for (README.md, "Using it"; docs/operations.md, "Safe reruns").
    A batch whose periods later exports have all replaced is no longer in use: its file loads again.
    """
    query = select(LoadBatch.id, LoadBatch.source, LoadBatch.rows_read, LoadBatch.rows_refused).where(
        LoadBatch.sha256 == sha256, LoadBatch.kind == "load", LoadBatch.superseded_by.is_(None)
    )
    if source is not None:  # a folder's source: any kind of export that folder holds (police: offences too)
        from loaders.spec import kinds_in

        query = query.where(LoadBatch.source.in_(kinds_in(source)))
    return conn.execute(query.order_by(LoadBatch.id)).first()


def skipped_message(batch_id: int) -> str:
    """Why a file was skipped."""
    return f"already loaded as batch {batch_id} (same SHA-256), so nothing changed"


def key_matches(conn: Connection, pseudonymiser: Pseudonymiser) -> bool:
    """The warehouse holds no key fingerprint yet, or this key's (reads only; :func:`check_key` records it)."""
    return _stored_fingerprint(conn) in (None, pseudonymiser.fingerprint)


def _stored_fingerprint(conn: Connection) -> str | None:
    return conn.scalar(select(WarehouseMeta.value).where(WarehouseMeta.key == "key_fingerprint"))


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
        batch_id = conn.execute(
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
        outcome.replaced = _replace_periods(conn, export.source, coverage, batch_id)
        outcome.superseded = _mark_superseded(conn, batch_id)
        conn.execute(
            insert(LoadCoverage),
            [
                {"batch_id": batch_id, "period": p, "quarter_id": _quarter_id(q), "rows": n}
                for p, (q, n) in coverage.items()
            ],
        )
        _insert_facts(conn, export, batch_id, dims, pseudonymiser, progress)
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
        quarter_ids = [_quarter_id(Quarter.parse(p)) for p in replaced]
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


# The raw identifiers an export carries, the key each becomes, and the kind its hash is keyed with.
RAW_IDS = {"client_id": ("person_key", "{source}-person"), "referral_ref": ("referral_key", "idva-referral"),
           "case_ref": ("case_key", "marac-case")}  # fmt: skip


def pseudonymise(export: Export, pseudo: Pseudonymiser) -> Export:
    """Replace the export's raw identifiers by their keyed hashes, in place (once: a second call checks the key).

    Each distinct client is hashed once (a person with several referrals); referral and case IDs
    are all different, so each is hashed. After this the export holds no raw identifier, so it
    may be handed between processes (a read in one, the write in another).

    Raises:
        KeyMismatchError: the export was pseudonymised with another key.
    """
    if export.key_fingerprint:
        if export.key_fingerprint != pseudo.fingerprint:
            raise KeyMismatchError(
                f"{export.path.name} was pseudonymised with another key (fingerprint {export.key_fingerprint}); "
                f"this load uses {pseudo.fingerprint}"
            )
        return export
    data = export.data
    for raw, (key, kind) in RAW_IDS.items():
        if raw not in data:
            continue
        values, kind = data.pop(raw), kind.format(source=export.source)
        if raw == "client_id":
            distinct = list(set(values))
            hashed = dict(zip(distinct, pseudo.keys(kind, distinct), strict=True))
            data[key] = [hashed[v] for v in values]
        else:  # unique within the file (the loaders check): nothing to share
            data[key] = pseudo.keys(kind, values)
    export.key_fingerprint = pseudo.fingerprint
    return export


def _insert_facts(
    conn: Connection,
    export: Export,
    batch_id: int,
    dims: dict,
    pseudo: Pseudonymiser,
    progress: Progress | None,
) -> None:
    """Build the facts column by column, in stored form (dates ISO text, flags 0/1: both databases take them).

    Each distinct day and area is converted once; identifiers are hashed by :func:`pseudonymise`
    unless the export already was.
    """
    data, n = export.data, export.row_count
    if not n:
        return

    def column(name: str) -> list:
        return data[name] if name in data else [None] * n

    def flags(name: str) -> list:
        return [None if v is None else int(v) for v in column(name)]

    def days_as(values: list, convert) -> list:
        done = {d: convert(d) for d in set(values) - {None}}
        return [None if d is None else done[d] for d in values]

    days = data["month" if export.source in MONTHLY_SOURCES else "referral_date"]
    where = (
        [batch_id] * n,
        [dims["areas"][a] for a in data["area"]],
        days_as(days, lambda d: _quarter_id(Quarter.containing(d))),
    )
    if export.source == "police":
        names = (
            "batch_id",
            "area_id",
            "quarter_id",
            "month",
            "da_incidents",
            "da_crimes",
            "crimed_incidents",
        )
        counts = (column("da_incidents"), column("da_crimes"), column("crimed_incidents"))
        bulk_insert(conn, PoliceMonth, names, (*where, days_as(days, date.isoformat), *counts), n, progress)
        return
    if export.source == "offences":
        names = ("batch_id", "area_id", "quarter_id", "month", "offence_group", "da_crimes")
        values = (*where, days_as(days, date.isoformat), column("offence_group"), column("da_crimes"))
        bulk_insert(conn, PoliceOffenceMonth, names, values, n, progress)
        return
    pseudonymise(export, pseudo)
    common = ("age", "gender", "disability", "sexual_orientation", "ethnic_group")
    names = (
        "batch_id",
        "area_id",
        "quarter_id",
        "person_key",
        "referral_date",
        "referral_day",
        "repeat_flag",
        *common,
    )
    person = (
        data["person_key"],
        days_as(days, date.isoformat),
        days_as(days, date.toordinal),
        flags("repeat_flag"),
        *(column(c) for c in common),
    )
    if export.source == "marac":
        heard = column("hearing_date")
        case = (data["case_key"], days_as(heard, date.isoformat),
                days_as(heard, date.toordinal), column("referring_agency"))  # fmt: skip
        names += ("case_key", "hearing_date", "hearing_day", "referring_agency")
        bulk_insert(conn, MaracCase, names, (*where, *person, *case), n, progress, sort_by=PERSON_DAY)
        return
    referral = (data["referral_key"], flags("criteria_met"), flags("engaged"),
                column("route"), column("risk_level"))  # fmt: skip
    names += ("referral_key", "criteria_met", "engaged", "route", "risk_level")
    first = bulk_insert(
        conn, IdvaReferral, names, (*where, *person, *referral), n, progress, sort_by=PERSON_DAY
    )
    specialisms = dims["specialisms"]
    links = [
        (rid, specialisms[s])
        for rid, chosen in zip(range(first, first + n), column("specialisms"), strict=True)
        for s in chosen or ()
    ]
    names = ("referral_id", "specialism_id")
    bulk_insert(
        conn, IdvaReferralSpecialism, names, tuple(zip(*links, strict=True)), len(links), with_ids=False
    )
    check_references(conn, batch_id, first)


# What the referral tables refer to (migration 0004): checked by one query per table and load.
_DANGLING_REFERRALS = """
SELECT count(*) FROM idva_referral r
LEFT JOIN load_batch b ON b.id = r.batch_id
LEFT JOIN quarter q ON q.id = r.quarter_id
LEFT JOIN area a ON a.id = r.area_id
WHERE {where} AND (b.id IS NULL OR q.id IS NULL OR a.id IS NULL)
"""
_DANGLING_LINKS = """
SELECT count(*) FROM idva_referral_specialism l
LEFT JOIN idva_referral r ON r.id = l.referral_id
LEFT JOIN specialism s ON s.id = l.specialism_id
WHERE {where} AND (r.id IS NULL OR s.id IS NULL)
"""


def check_references(conn: Connection, batch_id: int | None = None, first_id: int = 0) -> None:
    """Every IDVA referral and specialism link (of one load, or all) refers to rows that exist.

    A load's referrals are those of its batch; its links are those from its first referral id on
    (ids are given in order under the load lock).

    Raises:
        WarehouseError: naming how many rows refer to nothing (the load's transaction is then
            rolled back, so nothing of it stays).
    """
    if batch_id is None:
        referrals, links = "1 = 1", "1 = 1"
    else:
        referrals, links = "r.batch_id = :batch", "l.referral_id >= :first"
    params = {"batch": batch_id, "first": first_id}
    dangling = {
        "IDVA referrals": conn.scalar(text(_DANGLING_REFERRALS.format(where=referrals)), params),
        "specialism links": conn.scalar(text(_DANGLING_LINKS.format(where=links)), params),
    }
    bad = [f"{n:,} {what}" for what, n in dangling.items() if n]
    if bad:
        raise WarehouseError(
            f"{' and '.join(bad)} refer to a batch, quarter, area, referral or specialism that does not exist"
        )


def bulk_insert(
    conn: Connection,
    model,
    columns: tuple[str, ...],
    values: tuple,
    count: int,
    progress: Progress | None = None,
    with_ids: bool = True,
    sort_by: tuple[str, ...] = (),
) -> int:
    """Insert ``count`` rows given as columns (``values``: one sequence per name in ``columns``) fast.

    Ids are assigned here, in order (we hold the warehouse lock). ``sort_by`` names columns of an
    index on random keys (person keys are hashes): rows are written in that order, ids unchanged,
    so PostgreSQL fills the index page by page instead of at random (0.4 s of a 250,000-row load).

    COPY on PostgreSQL; sqlite3's own executemany on SQLite (SQLAlchemy's per-row
    processing would cost more than the insert itself).

    Returns:
        the id given to the first row (the rest follow in order), when ``with_ids``.
    """
    if not count:
        return 0
    table = model.__table__
    first = 0
    if with_ids:
        first = (conn.scalar(select(func.max(table.c.id))) or 0) + 1
        columns, values = ("id", *columns), (range(first, first + count), *values)
    rows = zip(*values, strict=True)
    if (
        sort_by and conn.dialect.name == "postgresql"
    ):  # SQLite appends rowids fastest in order: 0.5 s slower sorted
        rows = sorted(rows, key=itemgetter(*(columns.index(c) for c in sort_by)))
    names = ", ".join(columns)  # table and column names come from our own schema, never from input
    driver = conn.connection.driver_connection
    chunks = _chunks(rows, count, progress)
    if conn.dialect.name == "postgresql":
        with driver.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for chunk in chunks:
                    for row in chunk:
                        copy.write_row(row)
            if with_ids:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table.name, first + count - 1)
                )
    else:
        placeholders = ", ".join("?" for _ in columns)
        for chunk in chunks:
            driver.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({placeholders})", chunk)
    return first


def _chunks(rows, count: int, progress: Progress | None):
    """The rows in chunks of ``PROGRESS_EVERY``, reporting ``written`` after each (big loads only)."""
    if progress is None or count < PROGRESS_EVERY:
        yield rows
        return
    rows = iter(rows)
    done = 0
    while done < count:
        chunk = list(islice(rows, PROGRESS_EVERY))
        if not chunk:
            return
        yield chunk
        done += len(chunk)
        progress("written", done, count)

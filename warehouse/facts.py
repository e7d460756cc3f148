"""Write a load's facts: built column by column, inserted in bulk (COPY or executemany), then checked.

:func:`insert_facts` turns an export's columns into the stored rows of its fact table (and the IDVA
referrals' specialism links); :func:`bulk_insert` writes them fast under the warehouse lock;
:func:`check_references` confirms every referral and link refers to rows that exist.
"""

from __future__ import annotations

from datetime import date
from itertools import islice
from operator import itemgetter

from sqlalchemy import Connection, func, select, text

from dasv.loaders.export import PROGRESS_EVERY, Export
from dasv.loaders.spec import MONTHLY_SOURCES
from dasv.privacy import Pseudonymiser
from dasv.progress import Progress
from dasv.quarters import Quarter
from dasv.warehouse.db import WarehouseError
from dasv.warehouse.dimensions import quarter_id
from dasv.warehouse.models import (
    IdvaReferral,
    IdvaReferralSpecialism,
    MaracCase,
    PoliceMonth,
    PoliceOffenceMonth,
)
from dasv.warehouse.pseudonyms import pseudonymise

PERSON_DAY = ("person_key", "referral_day")  # the repeat lookup's index (ix_*_person_day)


class _Columns:
    """An export's columns in stored form: a column absent from the file is all None."""

    def __init__(self, export: Export):
        self.data, self.n = export.data, export.row_count

    def __call__(self, name: str) -> list:
        return self.data[name] if name in self.data else [None] * self.n

    def flags(self, name: str) -> list:
        """Yes/no as 1/0 (both databases take them)."""
        return [None if v is None else int(v) for v in self(name)]

    @staticmethod
    def days_as(values: list, convert) -> list:
        """Each distinct day converted once (ISO text, ordinal, quarter)."""
        done = {d: convert(d) for d in set(values) - {None}}
        return [None if d is None else done[d] for d in values]


def insert_facts(
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
    if not export.row_count:
        return
    column = _Columns(export)
    days = export.data["month" if export.source in MONTHLY_SOURCES else "referral_date"]  # monthly aggregates
    where = (
        [batch_id] * column.n,
        [dims["areas"][a] for a in export.data["area"]],
        column.days_as(days, lambda d: quarter_id(Quarter.containing(d))),
    )
    if export.source in MONTHLY_SOURCES:
        _insert_monthly(conn, export.source, column, where, column.days_as(days, date.isoformat), progress)
        return
    pseudonymise(export, pseudo)
    first = _insert_people(conn, export.source, column, where, days, dims, progress)
    if first is not None:  # the IDVA referrals' specialisms refer to the referrals written
        check_references(conn, batch_id, first)


def _insert_monthly(
    conn: Connection, source: str, column: _Columns, where: tuple, months: list, progress
) -> None:
    """The police monthly counts, or the DA crimes by offence group."""
    if source == "police":
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
        bulk_insert(conn, PoliceMonth, names, (*where, months, *counts), column.n, progress)
        return
    names = ("batch_id", "area_id", "quarter_id", "month", "offence_group", "da_crimes")
    values = (*where, months, column("offence_group"), column("da_crimes"))
    bulk_insert(conn, PoliceOffenceMonth, names, values, column.n, progress)


def _insert_people(
    conn: Connection, source: str, column: _Columns, where: tuple, days: list, dims: dict, progress
) -> int | None:
    """A MARAC case or an IDVA referral a row, keyed by its person (and an IDVA referral's specialisms).

    Returns the first IDVA referral's id (None for MARAC cases).
    """
    n, data = column.n, column.data
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
        column.days_as(days, date.isoformat),
        column.days_as(days, date.toordinal),
        column.flags("repeat_flag"),
        *(column(c) for c in common),
    )
    if source == "marac":
        heard = column("hearing_date")
        case = (data["case_key"], column.days_as(heard, date.isoformat),
                column.days_as(heard, date.toordinal), column("referring_agency"))  # fmt: skip
        names += ("case_key", "hearing_date", "hearing_day", "referring_agency")
        bulk_insert(conn, MaracCase, names, (*where, *person, *case), n, progress, sort_by=PERSON_DAY)
        return None
    referral = (data["referral_key"], column.flags("criteria_met"), column.flags("engaged"),
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
    bulk_insert(conn, IdvaReferralSpecialism, ("referral_id", "specialism_id"), tuple(zip(*links, strict=True)),
                len(links), with_ids=False)  # fmt: skip
    return first


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

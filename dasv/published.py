"""What has been published: versions, files and metrics documents as the CLI and the portal read them.

Publishing itself (``publish``: the write-once store and the warehouse's record) is ``dasv/publications.py``;
everything here only reads that record, and checks the store against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, func, select

from dasv.publications import PROVENANCE, quarter_id, sha256_bytes
from dasv.quarters import Quarter
from dasv.warehouse.models import (
    LoadBatch,
    Publication,
    PublicationBatch,
    PublicationFile,
    PublicationMetrics,
    PublicationRevision,
)


@dataclass
class Version:
    """One published version of a quarter, with its revision notes."""

    quarter: str
    version: int
    published_at: datetime
    revisions: list[tuple[str | None, str, str | None, str | None]]


def versions(conn: Connection, quarter: Quarter | None = None, district: str | None = None) -> list[Version]:
    """Published versions (newest quarter first, then version), with the revisions a reader may see.

    ``district`` limits the revision notes to that district's own figures (what a CSP sees).
    """
    from dasv.warehouse.models import QuarterDim

    query = (
        select(Publication.id, QuarterDim.label, Publication.version, Publication.published_at)
        .join(QuarterDim, QuarterDim.id == Publication.quarter_id)
        .order_by(Publication.quarter_id.desc(), Publication.version)
    )
    if quarter is not None:
        query = query.where(Publication.quarter_id == quarter_id(quarter))
    rows = conn.execute(query).all()
    notes: dict[int, list] = {}
    if rows:
        rev = select(PublicationRevision).where(PublicationRevision.publication_id.in_([r.id for r in rows]))
        if district is not None:
            rev = rev.where(PublicationRevision.district == district)
        for r in conn.execute(rev.order_by(PublicationRevision.id)):
            notes.setdefault(r.publication_id, []).append((r.district, r.measure, r.old, r.new))
    return [Version(label, version, at, notes.get(pid, [])) for pid, label, version, at in rows]


def published_file(
    conn: Connection, quarter: Quarter, district: str | None, name: str, version: int | None = None
) -> tuple[str, str, int] | None:
    """(stored path, SHA-256, version) of a published file; the latest version unless one is asked for."""
    query = (
        select(PublicationFile.path, PublicationFile.sha256, Publication.version)
        .join(Publication, Publication.id == PublicationFile.publication_id)
        .where(Publication.quarter_id == quarter_id(quarter), PublicationFile.name == name)
        .where(
            PublicationFile.district.is_(None) if district is None else PublicationFile.district == district
        )
        .order_by(Publication.version.desc())
    )
    if version is not None:
        query = query.where(Publication.version == version)
    row = conn.execute(query).first()
    return (row.path, row.sha256, row.version) if row else None


def published_quarters(conn: Connection) -> list[str]:
    """Labels of every quarter with a publication, newest first."""
    from dasv.warehouse.models import QuarterDim

    return list(
        conn.scalars(
            select(QuarterDim.label)
            .join(Publication, Publication.quarter_id == QuarterDim.id)
            .group_by(QuarterDim.id, QuarterDim.label)
            .order_by(QuarterDim.id.desc())
        )
    )


def metrics_documents(conn: Connection, district: str | None) -> list[tuple[str, int, datetime, dict]]:
    """(quarter, version, published at, document) of every version, for the county or one district."""
    from dasv.warehouse.models import QuarterDim

    rows = conn.execute(
        select(QuarterDim.label, Publication.version, Publication.published_at, PublicationMetrics.document)
        .join(Publication, Publication.id == PublicationMetrics.publication_id)
        .join(QuarterDim, QuarterDim.id == Publication.quarter_id)
        .where(
            PublicationMetrics.district.is_(None)
            if district is None
            else PublicationMetrics.district == district
        )
        .order_by(Publication.quarter_id, Publication.version)
    ).all()
    return [(label, version, at, json.loads(doc)) for label, version, at, doc in rows]


def metrics_checksums(conn: Connection, district: str | None) -> tuple[tuple[int, str], ...]:
    """(publication id, SHA-256) of every published metrics document of the county or a district."""
    return tuple(
        (pid, sha)
        for pid, sha in conn.execute(
            select(PublicationMetrics.publication_id, PublicationMetrics.sha256)
            .where(
                PublicationMetrics.district.is_(None)
                if district is None
                else PublicationMetrics.district == district
            )
            .order_by(PublicationMetrics.publication_id)
        )
    )


def first_published(
    conn: Connection, quarter: Quarter, district: str | None = None
) -> tuple[dict, datetime] | None:
    """The figures of a quarter as first published (version 1), and when, for the ``[r]`` marks."""
    row = conn.execute(
        select(PublicationMetrics.document, Publication.published_at)
        .join(Publication, Publication.id == PublicationMetrics.publication_id)
        .where(Publication.quarter_id == quarter_id(quarter), Publication.version == 1)
        .where(
            PublicationMetrics.district.is_(None)
            if district is None
            else PublicationMetrics.district == district
        )
    ).first()
    return (json.loads(row.document), row.published_at) if row else None


def first_published_all(conn: Connection, quarter: Quarter) -> dict[str, tuple[dict, datetime]]:
    """District -> (its first-published document, when) of a quarter (slices' ``[r]`` marks)."""
    rows = conn.execute(
        select(PublicationMetrics.district, PublicationMetrics.document, Publication.published_at)
        .join(Publication, Publication.id == PublicationMetrics.publication_id)
        .where(Publication.quarter_id == quarter_id(quarter), Publication.version == 1,
               PublicationMetrics.district.is_not(None))
    ).all()  # fmt: skip
    return {district: (json.loads(doc), at) for district, doc, at in rows}


def latest_version(conn: Connection, quarter: Quarter) -> int | None:
    """The newest version number of a quarter (None if never published)."""
    return conn.scalar(
        select(func.max(Publication.version)).where(Publication.quarter_id == quarter_id(quarter))
    )


def batches_of(conn: Connection, quarter: Quarter, version: int) -> list[tuple[int, str, str]]:
    """(batch id, file, SHA-256) of the loads a version was computed from."""
    return [
        tuple(r)
        for r in conn.execute(
            select(LoadBatch.id, LoadBatch.file_name, LoadBatch.sha256)
            .join(PublicationBatch, PublicationBatch.batch_id == LoadBatch.id)
            .join(Publication, Publication.id == PublicationBatch.publication_id)
            .where(Publication.quarter_id == quarter_id(quarter), Publication.version == version)
            .order_by(LoadBatch.id)
        )
    ]


def provenance_of(conn: Connection, store: Path, quarter: Quarter, version: int) -> dict | None:
    """What produced a published version (``provenance.json``: version, commit, configuration, run); None before."""
    found = published_file(conn, quarter, None, PROVENANCE, version)
    if found is None or found[2] != version:
        return None  # published before provenance was recorded
    return json.loads((Path(store) / found[0]).read_text(encoding="utf-8"))


def verify_store(conn: Connection, store: Path, checksums: bool = False) -> list[str]:
    """What the publication store lacks of what the warehouse records: one line per problem, none if whole.

    Every recorded file must be in the store with its recorded size (and, with ``checksums``, its
    SHA-256): a portal serving a store that lost a version would otherwise answer "not found".
    """
    problems = []
    rows = conn.execute(
        select(PublicationFile.path, PublicationFile.size, PublicationFile.sha256).order_by(
            PublicationFile.id
        )
    ).all()
    for path, size, sha in rows:
        found = Path(store) / path
        try:
            actual = found.stat().st_size
        except OSError:
            problems.append(f"{found} is missing")
            continue
        if size is not None and actual != size:
            problems.append(f"{found} is {actual} bytes; {size} were published")
        elif checksums and sha256_bytes(found.read_bytes()) != sha:
            problems.append(f"{found} does not have the SHA-256 that was published")
    return problems

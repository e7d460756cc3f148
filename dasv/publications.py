"""Publications: immutable, versioned copies of a quarter's outputs, and what changed between them.

docs/portal.md, "Publications". ``publish`` copies what ``dasv report`` rendered for a quarter
(the county report and every slice) into a write-once store, ``<store>/<quarter>/v<n>/``,
and records the version in the warehouse: its files with their SHA-256, the load batches
the figures came from, the metrics document of the county and of each district (as
rendered, so suppressed for districts), and the figures that differ from the previous
version. The portal serves only what is recorded here, looked up by (district, quarter,
version, name), never by a path taken from a URL.

Publishing is serialised in the warehouse (PostgreSQL advisory lock; SQLite write lock).
Files are copied into a hidden folder and renamed into place before the transaction
commits: a killed publish leaves either nothing recorded (and a folder no row points at,
removed by the next publish) or the whole version.
Reading what was published (versions, files, metrics documents, the store's check) is
``dasv/published.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, insert, select, text

from dasv import provenance
from dasv.config import Deployment
from dasv.document_figures import figures
from dasv.errors import UserError
from dasv.quarters import Quarter
from dasv.safe_text import slug
from dasv.warehouse.models import (
    LoadCoverage,
    Publication,
    PublicationBatch,
    PublicationFile,
    PublicationMetrics,
    PublicationRevision,
)

PUBLISH_LOCK_ID = 0x70756273  # "pubs"
# the county report's public edition (the restricted edition and the SafeLives return are never published)
COUNTY_FILES = {
    ".pdf": "report.pdf",
    ".html": "report.html",
    ".xlsx": "report.xlsx",
    "-metrics.json": "metrics.json",
}
SLICE_FILES = {
    ".pdf": "slice.pdf",
    ".html": "slice.html",
    ".xlsx": "slice.xlsx",
    "-metrics.json": "slice.json",
}
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".zip": "application/zip",
}
PROVENANCE = "provenance.json"  # dasv.provenance: recorded with each version, not offered by the portal


class PublishError(UserError):
    """A quarter cannot be published (nothing rendered, store not writable...): one line."""


@dataclass
class PublishResult:
    """What one publish did."""

    quarter: str
    version: int
    new: bool
    folder: Path
    revisions: list[tuple[str | None, str, str | None, str | None]] = field(default_factory=list)
    files: int = 0

    @property
    def message(self) -> str:
        """One line for the operator."""
        if not self.new:
            return f"{self.quarter}: the outputs are the same as version {self.version}; nothing new was published"
        what = f"{self.files} files in {self.folder}"
        if self.version == 1:
            return f"published {self.quarter} version 1 ({what})"
        return (f"published {self.quarter} version {self.version} ({what}); {len(self.revisions)} figure(s) revised "
                f"since version {self.version - 1}")  # fmt: skip


def quarter_id(q: Quarter) -> int:
    """The warehouse id of a quarter."""
    return q.fy_start * 10 + q.number


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def rendered_files(
    deployment: Deployment, quarter: Quarter, out_dir: Path
) -> dict[str | None, dict[str, bytes]]:
    """Every published name's bytes, per district (None: the county), from the rendered outputs.

    Raises:
        PublishError: the county report or a slice has not been rendered (the line says which).
    """
    base = Path(out_dir) / quarter.slug
    stem = f"dasv-{quarter.slug}"
    wanted: dict[str | None, tuple[Path, str, dict[str, str]]] = {}
    if deployment.publication.county_report == "public":  # restricted: the county report is never published
        wanted[None] = (base, stem, COUNTY_FILES)
    for area in deployment.districts:
        wanted[area.name] = (base / "districts" / slug(area.name), f"{stem}-{slug(area.name)}", SLICE_FILES)
    found: dict[str | None, dict[str, bytes]] = {}
    missing = []
    for district, (folder, name, files) in wanted.items():
        try:
            found[district] = {
                public: (folder / f"{name}{suffix}").read_bytes() for suffix, public in files.items()
            }
            found[district]["csv.zip"] = _zip_folder(folder / "csv")
        except OSError:
            missing.append("the county report" if district is None else f"the {district} slice")
    if missing:
        raise PublishError(
            f"{quarter.label}: nothing complete to publish in {base} (missing {', '.join(missing)}); run "
            f"`dasv report --quarter '{quarter.label}'` first"
        )
    return found


def _zip_folder(folder: Path) -> bytes:
    """The CSVs of a folder as one zip, byte-identical for identical files (fixed dates, sorted)."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".csv")
    if not files:
        raise OSError(f"no CSV files in {folder}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o444 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


# The disclosure planner, passed in by the layer above (dasv.pipeline.publish: the slices' plan): a
# quarter's withheld-or-published cells planned against the store as it is now, as each document lists
# them (None: the county's public edition), and the problems that make the release unsafe.
Replan = Callable[[Connection, Deployment, Quarter], tuple[list[str], dict[str | None, dict]]]


def publish(
    engine: Engine, deployment: Deployment, quarter: Quarter, out_dir: Path, store: Path, replan: Replan
) -> PublishResult:
    """Record the rendered outputs of a quarter as its next version (or nothing, if unchanged).

    ``replan``: the disclosure planner (:data:`Replan`), which checks the release against what
    the store served since it was planned (:func:`check_against_store`).

    Raises:
        PublishError: nothing complete to publish, or the store cannot be written.
    """
    files = rendered_files(deployment, quarter, out_dir)
    documents = {d: json.loads(f["slice.json" if d else "metrics.json"]) for d, f in files.items()}
    metrics_sha = sha256_bytes(
        json.dumps({str(k): _figures_only(v) for k, v in documents.items()}, sort_keys=True).encode()
    )
    store = Path(store)
    try:
        (store / quarter.slug).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot write to the publication store {store}: {exc.strerror or exc}") from None
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": PUBLISH_LOCK_ID})
        latest = conn.execute(
            select(Publication).where(Publication.quarter_id == quarter_id(quarter)).order_by(Publication.version.desc())
        ).first()  # fmt: skip
        if latest and latest.metrics_sha256 == metrics_sha:
            return PublishResult(quarter.label, latest.version, False, store / latest.folder)
        check_against_store(conn, deployment, quarter, documents, replan)
        version = (latest.version if latest else 0) + 1
        folder = f"{quarter.slug}/v{version}"
        # what produced it (software version and commit, configuration checksum, Prefect run): with the county's files
        files.setdefault(None, {})[PROVENANCE] = json.dumps(
            provenance.current(deployment).as_dict(), indent=2
        ).encode()
        _write_version(store, folder, files)
        revisions = _revisions(conn, latest.id, documents, deployment.area_labels) if latest else []
        _record(conn, quarter, version, folder, metrics_sha, files, documents, revisions)
    return PublishResult(
        quarter.label, version, True, store / folder, revisions, sum(len(f) for f in files.values())
    )


def _record(
    conn: Connection,
    quarter: Quarter,
    version: int,
    folder: str,
    metrics_sha: str,
    files: dict,
    documents: dict,
    revisions: list,
) -> None:
    """The version's rows: the publication, each file and metrics document, the batches in use, its revisions."""
    pub_id = conn.execute(
        insert(Publication).values(quarter_id=quarter_id(quarter), version=version, published_at=datetime.now(UTC),
                                   folder=folder, metrics_sha256=metrics_sha).returning(Publication.id)
    ).scalar_one()  # fmt: skip
    conn.execute(insert(PublicationFile), [
        {"publication_id": pub_id, "district": d, "name": name, "path": f"{folder}/{_place(d)}/{name}",
         "sha256": sha256_bytes(data), "size": len(data)}
        for d, named in files.items() for name, data in named.items()
    ])  # fmt: skip
    conn.execute(insert(PublicationMetrics), [
        {"publication_id": pub_id, "district": d, "document": json.dumps(doc, sort_keys=True),
         "sha256": sha256_bytes(json.dumps(doc, sort_keys=True).encode())}
        for d, doc in documents.items()
    ])  # fmt: skip
    batches = _batches_in_use(conn, quarter)
    if batches:
        conn.execute(insert(PublicationBatch), [{"publication_id": pub_id, "batch_id": b} for b in batches])
    if revisions:
        conn.execute(insert(PublicationRevision), [
            {"publication_id": pub_id, "district": d, "measure": m, "old": o, "new": n} for d, m, o, n in revisions
        ])  # fmt: skip


def latest_publication(conn: Connection) -> int:
    """The newest publication's id (0 before any): what a plan was made against."""
    return int(conn.scalar(select(func.max(Publication.id))) or 0)


def _figures_only(doc: dict) -> dict:
    """A document without the store it was planned against: a render the same in every figure and marker is the same release.

    (``suppression.planned_against`` changes whenever anything else is published; a rerun that
    changes nothing else is not a new version.)
    """
    suppression = doc.get("suppression")
    if not isinstance(suppression, dict) or "planned_against" not in suppression:
        return doc
    return {**doc, "suppression": {k: v for k, v in suppression.items() if k != "planned_against"}}


def check_against_store(
    conn: Connection, deployment: Deployment, quarter: Quarter, documents: dict, replan: Replan
) -> None:
    """A release planned before the store last changed is planned again; it must come out the same.

    The plan a release was drawn from read every version the store had served
    (``suppression.planned_against``: the newest publication then). When something has been
    published since, the quarter is planned again against the store as it is now: if any cell
    would be shown differently (or the release could not be made safe), nothing is published.

    Raises:
        PublishError: names the cells and says to render the quarter again.
    """
    planned = [doc.get("suppression", {}).get("planned_against") for doc in documents.values()]
    planned = [p for p in planned if isinstance(p, int)]
    if not planned or min(planned) >= latest_publication(conn):
        return
    unsafe, cells = replan(conn, deployment, quarter)
    again = f"render it again (`dasv report --quarter '{quarter.label}'`) and publish that"
    if unsafe:
        raise PublishError(f"{quarter.label} was planned before the store last changed, and cannot be made safe "
                           f"against it now: {unsafe[0]}")  # fmt: skip
    differ = []
    for district, doc in documents.items():
        rendered = doc.get("suppression", {}).get("cells", {})
        now = dict(cells.get(district, {}))
        now |= {name: "not printed" for name in rendered.keys() - now.keys()}  # printed then, not planned now
        differ += [f"{name.replace('|', ', ')} is {rendered.get(name)!s} in the rendered release and must be {shown}"
                   for name, shown in sorted(now.items()) if rendered.get(name) != shown]  # fmt: skip
    if differ:
        more = f" (and {len(differ) - 3} more)" if len(differ) > 3 else ""
        raise PublishError(f"{quarter.label} was planned before other versions were published, and the store now "
                           f"calls for other markers: {'; '.join(sorted(set(differ))[:3])}{more}. Nothing was "
                           f"published: {again}")  # fmt: skip


def _place(district: str | None) -> str:
    return "county" if district is None else f"districts/{slug(district)}"


def _write_version(store: Path, folder: str, files: dict[str | None, dict[str, bytes]]) -> None:
    """Write every file into a hidden folder, make them read-only, then rename it into place."""
    target = store / folder
    parent = target.parent
    for leftover in parent.glob(".v*.tmp-*"):  # an earlier publish killed while copying
        shutil.rmtree(leftover, ignore_errors=True)
    if target.exists():  # renamed into place by a publish killed before it committed: no row points at it
        _make_writable(target)
        shutil.rmtree(target)
    staging = parent / f".{target.name}.tmp-{os.getpid()}"
    try:
        for district, named in files.items():
            place = staging / _place(district)
            place.mkdir(parents=True, exist_ok=True)
            for name, data in named.items():
                (place / name).write_bytes(data)
                (place / name).chmod(0o444)
        for folder_path in sorted((p for p in staging.rglob("*") if p.is_dir()), reverse=True):
            folder_path.chmod(0o555)
        staging.chmod(0o555)
        staging.rename(target)
    except OSError as exc:
        _make_writable(staging)
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(f"cannot write to the publication store {store}: {exc.strerror or exc}") from None


def _make_writable(folder: Path) -> None:
    if not folder.exists():
        return
    folder.chmod(0o755)
    for p in folder.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)


def _batches_in_use(conn: Connection, quarter: Quarter) -> list[int]:
    ids = [quarter_id(q) for q in {quarter, quarter.previous(), *quarter.last_n(8)}]
    return sorted(
        conn.scalars(
            select(LoadCoverage.batch_id)
            .where(LoadCoverage.quarter_id.in_(ids), LoadCoverage.superseded_by.is_(None))
            .distinct()
        )
    )


def _revisions(
    conn: Connection, previous_id: int, documents: dict, labels: dict[str, str] | None = None
) -> list[tuple[str | None, str, str | None, str | None]]:
    """Every figure that differs from the previous version: (district, measure at area, old, new).

    The measure is printed as the report prints it: "Police DA incidents, Fenland" (the measure's
    label and the area's, ``labels``), "IDVA referrals" for the county's own figure.
    """
    from dasv.measures.labels import figure_label

    labels = labels or {}
    before = {
        d: json.loads(doc)
        for d, doc in conn.execute(
            select(PublicationMetrics.district, PublicationMetrics.document).where(
                PublicationMetrics.publication_id == previous_id
            )
        )
    }
    out = []
    for district, doc in documents.items():
        whole = district or "county"
        old, new = figures(before.get(district, {}), whole), figures(doc, whole)
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                measure = figure_label(key[0]) + (
                    "" if key[1] == "county" else f", {labels.get(key[1], key[1])}"
                )
                out.append((district, measure, _text(old.get(key)), _text(new.get(key))))
    return out


def _text(value) -> str | None:
    return None if value is None else str(value)[:60]

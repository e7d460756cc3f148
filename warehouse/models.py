"""The warehouse schema: dimensions, facts at their natural grain, and load lineage.

No table has a column for names, addresses, postcodes, dates of birth or raw client,
referral or case IDs: people and records are known only by keyed hashes
(``dasv.privacy``). Rates are never stored; every measure is computed from these rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

KEY = String(64)  # HMAC-SHA256 hex digest


class Base(DeclarativeBase):
    """Declarative base of the warehouse models."""


class WarehouseMeta(Base):
    """Facts about the warehouse itself (e.g. the fingerprint of the pseudonym key)."""

    __tablename__ = "warehouse_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class QuarterDim(Base):
    """A financial-year quarter; id is ``fy_start * 10 + number`` (2025-26 Q3 = 20253)."""

    __tablename__ = "quarter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(12), unique=True)
    fy_start: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class AreaDim(Base):
    """A canonical area of the deployment configuration."""

    __tablename__ = "area"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    ons_code: Mapped[str | None] = mapped_column(String(12))


class SpecialismDim(Base):
    """An IDVA specialism (CYP, Housing, ...)."""

    __tablename__ = "specialism"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)


class LoadBatch(Base):
    """One file loaded (or a purge made): the lineage of every fact.

    A batch is superseded when a later load of the same source replaced all the periods
    it covered; it stays here, with ``superseded_by`` pointing at that load.
    """

    __tablename__ = "load_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="load")
    source: Mapped[str] = mapped_column(String(12))
    file_name: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sheet: Mapped[str | None] = mapped_column(String(200))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_refused: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    repairs: Mapped[str | None] = mapped_column(Text)
    key_fingerprint: Mapped[str | None] = mapped_column(String(16))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("load_batch.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoadCoverage(Base):
    """A period (quarter, or month for police) whose facts a batch supplied."""

    __tablename__ = "load_coverage"
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batch.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarter.id"))
    rows: Mapped[int] = mapped_column(Integer)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("load_batch.id"))


class IdvaReferral(Base):
    """One referral to the IDVA service.

    ``batch_id``, ``quarter_id`` and ``area_id`` refer to ``load_batch``, ``quarter`` and
    ``area``; they are checked once per load (``dasv.warehouse.facts.check_references``), not by
    declared foreign keys, which PostgreSQL checks row by row (migration 0004).
    """

    __tablename__ = "idva_referral"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)
    referral_key: Mapped[str] = mapped_column(KEY)
    person_key: Mapped[str] = mapped_column(KEY)
    referral_date: Mapped[date] = mapped_column(Date)
    referral_day: Mapped[int] = mapped_column(Integer)  # date.toordinal(): portable day arithmetic
    quarter_id: Mapped[int] = mapped_column(Integer, index=True)
    area_id: Mapped[int] = mapped_column(Integer)
    criteria_met: Mapped[bool] = mapped_column(Boolean)
    engaged: Mapped[bool] = mapped_column(Boolean)
    route: Mapped[str | None] = mapped_column(String(40))
    risk_level: Mapped[str | None] = mapped_column(String(12))
    repeat_flag: Mapped[bool | None] = mapped_column(Boolean)
    # another one for the same person key in the 365 days before (warehouse/repeats.py)
    computed_repeat: Mapped[bool] = mapped_column(Boolean, server_default=false())
    age: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(20))
    disability: Mapped[str | None] = mapped_column(String(12))
    sexual_orientation: Mapped[str | None] = mapped_column(String(24))
    ethnic_group: Mapped[str | None] = mapped_column(String(60))

    __table_args__ = (Index("ix_idva_referral_person_day", "person_key", "referral_day"),)


class IdvaReferralSpecialism(Base):
    """Which specialisms a referral belongs to (zero or more); references checked once per load."""

    __tablename__ = "idva_referral_specialism"
    referral_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    specialism_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class MaracCase(Base):
    """One case referred to MARAC."""

    __tablename__ = "marac_case"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batch.id"), index=True)
    case_key: Mapped[str] = mapped_column(KEY)
    person_key: Mapped[str] = mapped_column(KEY)
    referral_date: Mapped[date] = mapped_column(Date)
    referral_day: Mapped[int] = mapped_column(Integer)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarter.id"), index=True)
    hearing_date: Mapped[date | None] = mapped_column(Date)
    hearing_day: Mapped[int | None] = mapped_column(Integer)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    referring_agency: Mapped[str | None] = mapped_column(String(40))
    repeat_flag: Mapped[bool | None] = mapped_column(Boolean)
    # another one for the same person key in the 365 days before (warehouse/repeats.py)
    computed_repeat: Mapped[bool] = mapped_column(Boolean, server_default=false())
    age: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(20))
    disability: Mapped[str | None] = mapped_column(String(12))
    sexual_orientation: Mapped[str | None] = mapped_column(String(24))
    ethnic_group: Mapped[str | None] = mapped_column(String(60))

    __table_args__ = (
        Index("ix_marac_case_person_day", "person_key", "referral_day"),
        Index("ix_marac_case_hearing_day", "hearing_day"),
    )


class MonthlyCount(Base):
    """A derived fact: one IDVA or MARAC count for one district and calendar month.

    Kept current by every load and purge (``warehouse/monthly.py``) so that the monthly series
    reads a few thousand rows rather than grouping a million referrals by month.
    """

    __tablename__ = "monthly_count"
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class PoliceMonth(Base):
    """Police-recorded DA incidents and crimes for one district and month."""

    __tablename__ = "police_month"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batch.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarter.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    da_incidents: Mapped[int] = mapped_column(Integer)
    da_crimes: Mapped[int] = mapped_column(Integer)
    # of the incidents, those that resulted in a crime; NULL when the export has no such column
    crimed_incidents: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("month", "area_id", name="uq_police_month_area"),)


class PoliceOffenceMonth(Base):
    """Police-recorded DA crimes of one Home Office offence group, for one district and month.

    A group the export has no row for in a month it covers for that district had none.
    """

    __tablename__ = "police_offence_month"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batch.id"), index=True)
    month: Mapped[date] = mapped_column(Date)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarter.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    offence_group: Mapped[str] = mapped_column(String(60))
    da_crimes: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("month", "area_id", "offence_group", name="uq_police_offence_month_area_group"),
    )


class Publication(Base):
    """One immutable version of a quarter's outputs (docs/portal.md, Publications)."""

    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("quarter.id"))
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    folder: Mapped[str] = mapped_column(String(200))  # relative to the publication store
    metrics_sha256: Mapped[str] = mapped_column(String(64))  # of all its metrics documents together

    __table_args__ = (UniqueConstraint("quarter_id", "version", name="uq_publication_quarter_version"),)


class PublicationBatch(Base):
    """A load batch a publication's figures were computed from."""

    __tablename__ = "publication_batch"
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("load_batch.id"), primary_key=True)


class PublicationFile(Base):
    """A file of a publication: who may see it (county or one district), its name and checksum."""

    __tablename__ = "publication_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    district: Mapped[str | None] = mapped_column(String(120))  # None: the county report
    name: Mapped[str] = mapped_column(String(60))  # the name the portal serves: slice.pdf, csv.zip ...
    path: Mapped[str] = mapped_column(String(400))  # relative to the publication store
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("publication_id", "district", "name", name="uq_publication_file"),)


class PublicationMetrics(Base):
    """A publication's metrics document of the county or of one district (suppressed), as rendered."""

    __tablename__ = "publication_metrics"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    district: Mapped[str | None] = mapped_column(String(120))
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))


class PublicationRevision(Base):
    """A figure that changed from the previous version of the same quarter."""

    __tablename__ = "publication_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    district: Mapped[str | None] = mapped_column(String(120))
    measure: Mapped[str] = mapped_column(String(200))
    old: Mapped[str | None] = mapped_column(String(60))
    new: Mapped[str | None] = mapped_column(String(60))


class PortalUser(Base):
    """A portal account: a CSP bound to districts, the partnership, or an admin."""

    __tablename__ = "portal_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    set_password_hash: Mapped[str | None] = mapped_column(String(64))
    set_password_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PortalUserDistrict(Base):
    """A district a CSP account may see."""

    __tablename__ = "portal_user_district"
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), primary_key=True)
    district: Mapped[str] = mapped_column(String(120), primary_key=True)


class PortalToken(Base):
    """An API token of a user: only its SHA-256 is stored."""

    __tablename__ = "portal_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PortalSession(Base):
    """A signed-in browser session (the cookie holds the id; only its SHA-256 is stored)."""

    __tablename__ = "portal_session"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalAccess(Base):
    """The access log: every request that reached a district, county or API route."""

    __tablename__ = "portal_access"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    token_id: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(8))
    route: Mapped[str] = mapped_column(String(400))
    district: Mapped[str | None] = mapped_column(String(120))
    quarter: Mapped[str | None] = mapped_column(String(12))
    file: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[int] = mapped_column(Integer)
    client: Mapped[str | None] = mapped_column(String(64))

"""publications, revisions and the CSP portal's accounts, tokens, sessions and access log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quarter_id", sa.Integer(), sa.ForeignKey("quarter.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", NOW, nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("metrics_sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("quarter_id", "version", name="uq_publication_quarter_version"),
    )
    op.create_table(
        "publication_batch",
        sa.Column("publication_id", sa.Integer(), sa.ForeignKey("publication.id"), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("load_batch.id"), primary_key=True),
    )
    op.create_table(
        "publication_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("publication_id", sa.Integer(), sa.ForeignKey("publication.id"), nullable=False),
        sa.Column("district", sa.String(120), nullable=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("path", sa.String(400), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("publication_id", "district", "name", name="uq_publication_file"),
    )
    op.create_index("ix_publication_file_publication_id", "publication_file", ["publication_id"])
    op.create_table(
        "publication_metrics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("publication_id", sa.Integer(), sa.ForeignKey("publication.id"), nullable=False),
        sa.Column("district", sa.String(120), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_publication_metrics_publication_id", "publication_metrics", ["publication_id"])
    op.create_table(
        "publication_revision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("publication_id", sa.Integer(), sa.ForeignKey("publication.id"), nullable=False),
        sa.Column("district", sa.String(120), nullable=True),
        sa.Column("measure", sa.String(200), nullable=False),
        sa.Column("old", sa.String(60), nullable=True),
        sa.Column("new", sa.String(60), nullable=True),
    )
    op.create_index("ix_publication_revision_publication_id", "publication_revision", ["publication_id"])
    op.create_table(
        "portal_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", NOW, nullable=True),
        sa.Column("locked_until", NOW, nullable=True),
        sa.Column("set_password_hash", sa.String(64), nullable=True),
        sa.Column("set_password_expires", NOW, nullable=True),
    )
    op.create_table(
        "portal_user_district",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("portal_user.id"), primary_key=True),
        sa.Column("district", sa.String(120), primary_key=True),
    )
    op.create_table(
        "portal_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("portal_user.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("expires_at", NOW, nullable=False),
        sa.Column("revoked_at", NOW, nullable=True),
    )
    op.create_index("ix_portal_token_user_id", "portal_token", ["user_id"])
    op.create_table(
        "portal_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("portal_user.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("last_seen", NOW, nullable=False),
    )
    op.create_index("ix_portal_session_user_id", "portal_session", ["user_id"])
    op.create_table(
        "portal_access",
        sa.Column("id", BIG, primary_key=True),
        sa.Column("at", NOW, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("route", sa.String(400), nullable=False),
        sa.Column("district", sa.String(120), nullable=True),
        sa.Column("quarter", sa.String(12), nullable=True),
        sa.Column("file", sa.String(60), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
    )
    op.create_index("ix_portal_access_at", "portal_access", ["at"])


def downgrade() -> None:
    for table in ("portal_access", "portal_session", "portal_token", "portal_user_district", "portal_user",
                  "publication_revision", "publication_metrics", "publication_file", "publication_batch",
                  "publication"):  # fmt: skip
        op.drop_table(table)

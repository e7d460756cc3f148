"""initial warehouse schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 05:30:22.464431
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ons_code", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "load_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.String(length=200), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_refused", sa.Integer(), nullable=False),
        sa.Column("rows_skipped", sa.Integer(), nullable=False),
        sa.Column("repairs", sa.Text(), nullable=True),
        sa.Column("key_fingerprint", sa.String(length=16), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["load_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("load_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_load_batch_sha256"), ["sha256"], unique=False)

    op.create_table(
        "quarter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", sa.String(length=12), nullable=False),
        sa.Column("fy_start", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label"),
    )
    op.create_table(
        "specialism",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "warehouse_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "idva_referral",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("referral_key", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("referral_day", sa.Integer(), nullable=False),
        sa.Column("quarter_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("criteria_met", sa.Boolean(), nullable=False),
        sa.Column("engaged", sa.Boolean(), nullable=False),
        sa.Column("route", sa.String(length=40), nullable=True),
        sa.Column("risk_level", sa.String(length=12), nullable=True),
        sa.Column("repeat_flag", sa.Boolean(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("disability", sa.String(length=12), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=24), nullable=True),
        sa.Column("ethnic_group", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["quarter_id"],
            ["quarter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("idva_referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idva_referral_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_idva_referral_person_day", ["person_key", "referral_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_idva_referral_quarter_id"), ["quarter_id"], unique=False)

    op.create_table(
        "load_coverage",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=12), nullable=False),
        sa.Column("quarter_id", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["quarter_id"],
            ["quarter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["load_batch.id"],
        ),
        sa.PrimaryKeyConstraint("batch_id", "period"),
    )
    op.create_table(
        "marac_case",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("case_key", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("referral_day", sa.Integer(), nullable=False),
        sa.Column("quarter_id", sa.Integer(), nullable=False),
        sa.Column("hearing_date", sa.Date(), nullable=True),
        sa.Column("hearing_day", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("referring_agency", sa.String(length=40), nullable=True),
        sa.Column("repeat_flag", sa.Boolean(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("disability", sa.String(length=12), nullable=True),
        sa.Column("sexual_orientation", sa.String(length=24), nullable=True),
        sa.Column("ethnic_group", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["quarter_id"],
            ["quarter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("marac_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marac_case_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_marac_case_hearing_day", ["hearing_day"], unique=False)
        batch_op.create_index("ix_marac_case_person_day", ["person_key", "referral_day"], unique=False)
        batch_op.create_index(batch_op.f("ix_marac_case_quarter_id"), ["quarter_id"], unique=False)

    op.create_table(
        "police_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("quarter_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("da_incidents", sa.Integer(), nullable=False),
        sa.Column("da_crimes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["quarter_id"],
            ["quarter.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "area_id", name="uq_police_month_area"),
    )
    with op.batch_alter_table("police_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_police_month_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_police_month_quarter_id"), ["quarter_id"], unique=False)

    op.create_table(
        "idva_referral_specialism",
        sa.Column("referral_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("specialism_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["idva_referral.id"],
        ),
        sa.ForeignKeyConstraint(
            ["specialism_id"],
            ["specialism.id"],
        ),
        sa.PrimaryKeyConstraint("referral_id", "specialism_id"),
    )


def downgrade() -> None:

    op.drop_table("idva_referral_specialism")
    with op.batch_alter_table("police_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_police_month_quarter_id"))
        batch_op.drop_index(batch_op.f("ix_police_month_batch_id"))

    op.drop_table("police_month")
    with op.batch_alter_table("marac_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marac_case_quarter_id"))
        batch_op.drop_index("ix_marac_case_person_day")
        batch_op.drop_index("ix_marac_case_hearing_day")
        batch_op.drop_index(batch_op.f("ix_marac_case_batch_id"))

    op.drop_table("marac_case")
    op.drop_table("load_coverage")
    with op.batch_alter_table("idva_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idva_referral_quarter_id"))
        batch_op.drop_index("ix_idva_referral_person_day")
        batch_op.drop_index(batch_op.f("ix_idva_referral_batch_id"))

    op.drop_table("idva_referral")
    op.drop_table("warehouse_meta")
    op.drop_table("specialism")
    op.drop_table("quarter")
    with op.batch_alter_table("load_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_load_batch_sha256"))

    op.drop_table("load_batch")
    op.drop_table("area")

"""police: DA crimes by Home Office offence group (the optional offence-group export)

One row per month, district and offence group, loaded from the police inbox folder's
offence-group export (docs/adopting.md); read by the year-ending breakdown.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "police_offence_month",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("load_batch.id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("quarter_id", sa.Integer(), sa.ForeignKey("quarter.id"), nullable=False),
        sa.Column("area_id", sa.Integer(), sa.ForeignKey("area.id"), nullable=False),
        sa.Column("offence_group", sa.String(60), nullable=False),
        sa.Column("da_crimes", sa.Integer(), nullable=False),
        sa.UniqueConstraint("month", "area_id", "offence_group", name="uq_police_offence_month_area_group"),
    )
    op.create_index("ix_police_offence_month_batch_id", "police_offence_month", ["batch_id"])
    op.create_index("ix_police_offence_month_quarter_id", "police_offence_month", ["quarter_id"])


def downgrade() -> None:
    op.drop_index("ix_police_offence_month_quarter_id", "police_offence_month")
    op.drop_index("ix_police_offence_month_batch_id", "police_offence_month")
    op.drop_table("police_offence_month")

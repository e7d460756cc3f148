"""police: incidents that resulted in a crime (optional export column)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("police_month") as batch:
        batch.add_column(sa.Column("crimed_incidents", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("police_month") as batch:
        batch.drop_column("crimed_incidents")

"""IDVA referrals and MARAC cases store their computed repeat

Each row gains ``computed_repeat``: another row for the same person key in the 365 days
before. Loads and purges keep it current (``warehouse/repeats.py``) so that measures read
a column instead of looking up each row's history in every query. Existing rows are
computed here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("idva_referral", "marac_case")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("computed_repeat", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        op.execute(
            f"""UPDATE {table} SET computed_repeat = EXISTS (
                  SELECT 1 FROM {table} AS prior
                  WHERE prior.person_key = {table}.person_key
                    AND prior.referral_day < {table}.referral_day
                    AND prior.referral_day >= {table}.referral_day - 365)"""
        )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("computed_repeat")

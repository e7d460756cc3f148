"""Derived facts kept current by every write: stored computed repeats and monthly counts

Each IDVA referral and MARAC case gains ``computed_repeat``: another row for the same
person key in the 365 days before (``warehouse/repeats.py``). The new ``monthly_count``
table holds the IDVA and MARAC counts of each district and calendar month
(``warehouse/monthly.py``). Loads and purges keep both current, so measures read a column
and the monthly series a few thousand rows instead of looking up each row's history and
grouping a million rows by month in every query. Existing rows are computed here.

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
# measure -> (table, date column, counted when); the same definitions as warehouse/monthly.py
MONTHLY = {
    "idva.total_referrals": ("idva_referral", "referral_date", "1 = 1"),
    "idva.criteria_met": ("idva_referral", "referral_date", "criteria_met"),
    "idva.engaged": ("idva_referral", "referral_date", "engaged"),
    "idva.repeats": ("idva_referral", "referral_date", "COALESCE(repeat_flag, computed_repeat)"),
    "marac.referrals": ("marac_case", "referral_date", "1 = 1"),
    "marac.cases_heard": ("marac_case", "hearing_date", "hearing_date IS NOT NULL"),
}


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
    op.create_table(
        "monthly_count",
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "month", "area_id"),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for measure, (table, column, when) in MONTHLY.items():
        month = (
            f"date({column}, 'start of month')" if sqlite else f"CAST(date_trunc('month', {column}) AS date)"
        )
        op.execute(
            f"""INSERT INTO monthly_count (measure, month, area_id, value)
                SELECT '{measure}', {month}, area_id, SUM(CASE WHEN {when} THEN 1 ELSE 0 END)
                FROM {table} WHERE {column} IS NOT NULL
                GROUP BY {month}, area_id"""
        )


def downgrade() -> None:
    op.drop_table("monthly_count")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("computed_repeat")

"""IDVA referral facts: references checked once per load instead of per row

The two biggest tables (a national quarter is 250,000 referrals and as many specialism
links) lose their declared foreign keys: PostgreSQL checked each inserted row with a
query of its own, more than half of a load's write time. ``dasv.warehouse.load`` checks every
reference of the rows a load writes in one query per table inside the load's transaction
(a load with a dangling reference is rolled back), and ``dasv db check`` checks the whole
warehouse. MARAC and police facts (small) keep theirs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:30:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Names as PostgreSQL gave them (table_column_fkey); SQLite's are unnamed, so reflected ones
# are named by the same convention for batch mode.
CONVENTION = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}
REFERENCES = {
    "idva_referral": [("batch_id", "load_batch"), ("quarter_id", "quarter"), ("area_id", "area")],
    "idva_referral_specialism": [("referral_id", "idva_referral"), ("specialism_id", "specialism")],
}


def upgrade() -> None:
    for table in ("idva_referral_specialism", "idva_referral"):
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
            for column, _ in REFERENCES[table]:
                batch.drop_constraint(f"{table}_{column}_fkey", type_="foreignkey")


def downgrade() -> None:
    for table in ("idva_referral", "idva_referral_specialism"):
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch:
            for column, target in REFERENCES[table]:
                batch.create_foreign_key(f"{table}_{column}_fkey", target, [column], ["id"])

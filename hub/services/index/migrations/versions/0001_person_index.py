"""The person index as the first release created it: person and person_link.

A database the first release created without Alembic (tables present, no version table) is
adopted as it is: the tables are only created where missing.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "person" not in existing:
        op.create_table(
            "person",
            sa.Column("person_id", sa.String(9), primary_key=True),
            sa.Column("surname", sa.String(60), nullable=False),
            sa.Column("forenames", sa.String(80), nullable=False),
            sa.Column("date_of_birth", sa.Date, nullable=False),
        )
    if "person_link" not in existing:
        op.create_table(
            "person_link",
            sa.Column("person_id", sa.String(9), sa.ForeignKey("person.person_id"), nullable=False),
            sa.Column("scheme", sa.String(20), primary_key=True),
            sa.Column("value", sa.String(16), primary_key=True),
        )
        op.create_index("ix_person_link_person_id", "person_link", ["person_id"])


def downgrade() -> None:
    op.drop_table("person_link")
    op.drop_table("person")

"""Index people by surname and date of birth: the keys record matching links new agency records on.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_surname_dob", "person", ["surname", "date_of_birth"])


def downgrade() -> None:
    op.drop_index("ix_person_surname_dob", table_name="person")

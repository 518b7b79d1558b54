"""Resolve agency identifiers to person ids from the index alone.

A filtered search resolves every matching agency identifier (8,843 for London's IOM cohorts) to a
person id. With only the (scheme, value) key, each lookup also read the table row for person_id;
covering the key with person_id halves that on SQLite (45 to 25 ms for the IOM cohorts).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_link_resolve", "person_link", ["scheme", "value", "person_id"])


def downgrade() -> None:
    op.drop_index("ix_person_link_resolve", table_name="person_link")

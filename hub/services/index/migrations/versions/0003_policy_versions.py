"""Published policy versions, shared by replicas (HUB_POLICY_SYNC=postgresql) through the index database.

Releases before this one let the policy sync create the table itself: it is adopted where present.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "hub_policy_version" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "hub_policy_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False, unique=True),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("hub_policy_version")

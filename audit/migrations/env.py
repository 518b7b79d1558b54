"""Alembic environment for the audit trail; the connection (holding the trail's write lock) is handed in."""

from __future__ import annotations

from alembic import context

from audit.tables import metadata
from hub.core.migrations import version_table

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=version_table("audit"),
)
with context.begin_transaction():
    context.run_migrations()

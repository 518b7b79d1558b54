"""Alembic environment for the person index; the connection is handed in by hub.core.migrations."""

from __future__ import annotations

from alembic import context

from hub.core.migrations import version_table
from hub.services.index.tables import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=version_table("index"),
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment for the person index; the connection is handed in by hub.migrations.runner."""

from __future__ import annotations

from alembic import context

from hub.index.tables import metadata
from hub.migrations.runner import version_table

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    version_table=version_table("index"),
)
with context.begin_transaction():
    context.run_migrations()

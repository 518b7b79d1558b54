"""Running a store's migrations programmatically on an async engine (``hub db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from hub.core.db import create_engine
from hub.core.errors import ConfigurationError

#: Each store keeps its migrations beside its code; alembic takes them as ``package:folder``.
STORES = {"index": "hub.services.index:migrations", "audit": "audit:migrations"}


def version_table(store: str) -> str:
    return f"alembic_version_{store}"


def config(store: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", STORES[store])
    return cfg


class SchemaBehind(ConfigurationError):
    """A store's schema is not this release's and the hub was told not to migrate it itself."""

    code = "SCHEMA_OUT_OF_DATE"


def upgrade_on(connection: Connection, store: str, revision: str = "head") -> None:
    """Apply ``store``'s migrations on ``connection``, inside the transaction the caller holds.

    On PostgreSQL the transaction first takes an advisory lock per store, so replicas, an init job
    and an operator upgrading at the same time apply each migration once.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": migration_lock_key(store)})
    cfg = config(store)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def revision_on(connection: Connection, store: str) -> str | None:
    ctx = MigrationContext.configure(connection, opts={"version_table": version_table(store)})
    return ctx.get_current_revision()


def require_head(connection: Connection, store: str) -> None:
    """Fail fast, naming the fix, when ``store`` is not at this release's schema."""
    at = revision_on(connection, store)
    if at != head(store):
        raise behind(store, at)


def behind(store: str, at: str | None) -> SchemaBehind:
    return SchemaBehind(f"the {store} store is at revision {at or 'none (empty)'}, this release needs "
                        f"{head(store)}: run `hub db upgrade` (or start with HUB_MIGRATE_ON_START=true)")


async def upgrade(url: str, store: str, revision: str = "head") -> str | None:
    """Bring ``store`` at ``url`` up to ``revision``; returns the revision it is at afterwards."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_on, store, revision)
        return await current(url, store)
    finally:
        await engine.dispose()


def migration_lock_key(store: str) -> int:
    return int.from_bytes(f"hubmg{store}"[:8].encode().ljust(8, b"_"), "big") & 0x7FFF_FFFF_FFFF_FFFF


async def current(url: str, store: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(revision_on, store)
    finally:
        await engine.dispose()


def head(store: str) -> str | None:
    return ScriptDirectory.from_config(config(store)).get_current_head()


async def prepare(url: str, store: str, *, migrate: bool) -> str | None:
    """At start-up: upgrade ``store`` (``migrate``) or refuse to go on unless it is at this release's head."""
    if migrate:
        return await upgrade(url, store)
    at = await current(url, store)
    if at != head(store):
        raise behind(store, at)
    return at

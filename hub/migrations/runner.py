"""Running a store's migrations programmatically on an async engine (``hub db upgrade``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from connectors.sql import create_engine

HERE = Path(__file__).resolve().parent
STORES = ("index",)


def version_table(store: str) -> str:
    return f"alembic_version_{store}"


def config(store: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / store))
    return cfg


async def upgrade(url: str, store: str, revision: str = "head") -> str | None:
    """Bring ``store`` at ``url`` up to ``revision``; returns the revision it is at afterwards."""
    cfg = config(store)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            def run(sync_conn: Any) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, revision)

            await conn.run_sync(run)
        return await current(url, store)
    finally:
        await engine.dispose()


async def current(url: str, store: str) -> str | None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            def read(sync_conn: Any) -> str | None:
                ctx = MigrationContext.configure(sync_conn, opts={"version_table": version_table(store)})
                return ctx.get_current_revision()

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


def head(store: str) -> str | None:
    return ScriptDirectory.from_config(config(store)).get_current_head()

"""Benchmark data: seeded once per size and kept (SQLite under bench/.data, PostgreSQL databases
named hubbench_*), so repeated runs measure queries rather than seeding."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.agencies import agency_names
from hub.cli.seeding import seed_all, seed_state
from hub.core.db import create_engine
from hub.core.migrations import upgrade
from hub.core.settings import Settings

#: Fixed so a kept data set stays valid from one day to the next.
AS_OF = date(2026, 11, 24)
SEED = 20261124
DATA_ROOT = Path(__file__).with_name(".data")


async def _ensure_pg_database(admin_url: str, name: str) -> str:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            exists = (await conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})).first()
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def prepare(people: int, *, postgres: str | None = None, log: bool = True) -> tuple[Settings, float | None]:
    """Settings on a seeded data set of ``people``; also the seconds seeding took if it ran now."""
    data_dir = DATA_ROOT / f"{'pg' if postgres else 'sqlite'}-{people}"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env({"HUB_DATA_DIR": str(data_dir), "HUB_ENV": "test"})
    if postgres:
        urls = {a: await _ensure_pg_database(postgres, f"hubbench_{a}_{people}") for a in agency_names()}
        index = await _ensure_pg_database(postgres, f"hubbench_index_{people}")
        settings = settings.model_copy(update={"agency_urls": urls, "index_url": index})
    seconds = None
    if await seed_state(settings) != "complete":
        if log:
            print(f"bench: seeding {people} people into {'PostgreSQL' if postgres else 'SQLite'}...", flush=True)
        started = time.perf_counter()
        await seed_all(settings, people=people, seed=SEED, as_of=AS_OF, replace=True)
        seconds = time.perf_counter() - started
    # A data set kept from an earlier release gets the hub's own migrations, as `hub serve` applies them.
    await upgrade(settings.index_url, "index")
    return settings, seconds

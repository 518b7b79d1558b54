"""Shared fixtures: seeded synthetic data, settings pointing at it, PostgreSQL databases."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text
from sqlalchemy.engine import make_url

from connectors.registry import AGENCIES
from hub.core import telemetry
from hub.core.db import create_engine
from hub.core.settings import Settings

#: Fixed so every run sees the same synthetic people.
AS_OF = date(2026, 11, 24)
SEED = 1234
PEOPLE = 300

@pytest.fixture(scope="session", autouse=True)
def telemetry_capture() -> tuple[InMemorySpanExporter, InMemoryMetricReader]:
    """Install the process's telemetry once, before any app, exporting to memory for inspection."""
    spans = InMemorySpanExporter()
    metrics = InMemoryMetricReader()
    telemetry.configure([SimpleSpanProcessor(spans)], [metrics])
    return spans, metrics


def postgres_base_url() -> str | None:
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the PostgreSQL tests: HUB_TEST_POSTGRES_URL is not set")
    return None


@pytest.fixture
def postgres_url() -> str:
    url = postgres_base_url()
    if url is None:
        pytest.skip("HUB_TEST_POSTGRES_URL not set (CI sets it)")
    return url


async def admin_sql(base: str, sql: str) -> None:
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
async def make_pg_database(postgres_url: str) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Create uniquely named databases on the local server; all are dropped afterwards."""
    created: list[str] = []

    async def make(label: str) -> str:
        name = f"hubtest_{label}_{uuid.uuid4().hex[:10]}"
        await admin_sql(postgres_url, f'CREATE DATABASE "{name}"')
        created.append(name)
        return make_url(postgres_url).set(database=name).render_as_string(hide_password=False)

    yield make
    for name in created:
        await admin_sql(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_settings(data_dir: Path, **overrides: object) -> Settings:
    return Settings.from_env({"HUB_DATA_DIR": str(data_dir), "HUB_ENV": "test",
                              **{k: str(v) for k, v in overrides.items()}})


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder seeded once per test session (read-only for tests: copy it to change it)."""
    from hub.cli.seeding import seed_all

    data_dir = tmp_path_factory.mktemp("seeded")
    asyncio.run(seed_all(sqlite_settings(data_dir), people=PEOPLE, seed=SEED, as_of=AS_OF))
    return data_dir


@pytest.fixture
def settings(seeded_dir: Path, tmp_path: Path) -> Iterator[Settings]:
    """Settings on the session's seeded agency data, with a private audit store and keys per test."""
    base = sqlite_settings(seeded_dir)
    own = sqlite_settings(tmp_path)
    yield base.model_copy(update=dict(data_dir=tmp_path, audit_url=own.audit_url,
                                      agency_urls={a.name: base.agency_url(a.name) for a in AGENCIES}))


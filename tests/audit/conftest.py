"""Audit fixtures: events with every field filled, stores on real SQLite files and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.sql import FromClause

from audit.record import AuditEvent
from audit.store import AuditStore
from hub.core.settings import Settings

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def event(n: int = 0, **over: Any) -> AuditEvent:
    base = AuditEvent(
        occurred_at=T0 + timedelta(seconds=n), trace_id=f"{n:032x}", request_id=f"req-{n}", actor_id="om-001",
        actor_kind="user", agency="probation", roles=("probation-practitioner",), source_address="127.0.0.1",
        user_agent="pytest", purpose="iom", justification="", legal_bases=("CDA 1998 s115",),
        clauses=("PROB-ISA 2.1",), operation_name="Profile", operation_type="query", query_hash="ab" * 32,
        variables_hash="cd" * 32, subjects=("H00000001",), disclosed={"probation": ("ProbationRecord.tier",)},
        withheld={"Identifiers.nhsNumber": "TRT-ISA 3.2"}, masked={}, outcome="partial",
        error_codes=("FIELD_NOT_SHARED",), latency_ms=1.5, policy_version="abc123",
    )
    return replace(base, **over)


def settings_for(data_dir: Path, url: str | None = None, **over: Any) -> Settings:
    s = Settings.from_env({"HUB_DATA_DIR": str(data_dir), "HUB_ENV": "test"})
    return s.model_copy(update=dict(audit_url=url or s.audit_url, **over))


async def count(store: AuditStore, table: FromClause) -> int:
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


StoreFactory = Callable[..., Awaitable[AuditStore]]


PgMaker = Callable[[str], Awaitable[str]]


@pytest.fixture(params=["sqlite", "postgresql"])
def pg_maker(request: pytest.FixtureRequest) -> PgMaker | None:
    """None for SQLite, else ``make_pg_database`` (which skips unless HUB_TEST_POSTGRES_URL is set)."""
    if request.param == "sqlite":
        return None
    maker: PgMaker = request.getfixturevalue("make_pg_database")
    return maker


@pytest.fixture
async def audit_url(pg_maker: PgMaker | None, tmp_path: Path) -> str:
    """A fresh audit database of each kind."""
    if pg_maker is None:
        return settings_for(tmp_path).audit_url
    return await pg_maker("audit")


@pytest.fixture
async def make_store(audit_url: str, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Open stores on the test's database (each its own engine, as separate processes would have)."""
    opened: list[AuditStore] = []

    async def make(batch_max: int = 500, **over: Any) -> AuditStore:
        store = await AuditStore.open(settings_for(tmp_path, audit_url, **over), batch_max=batch_max)
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()

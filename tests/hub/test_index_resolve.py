"""Resolving agency identifiers to hub person ids: thousands at once, in one statement, on SQLite
and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from hub.core.db import create_engine
from hub.core.migrations import upgrade
from hub.core.statement_counter import count_statements
from hub.services.index.store import PersonIndex
from hub.services.index.tables import person, person_link
from tests.conftest import admin_sql, postgres_base_url

N = 12_000  # more than any IN-list chunk, more than SQLite's default parameter limit


@pytest.fixture(params=["sqlite", "postgresql"])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    base, database = postgres_base_url(), f"hubtest_resolve_{uuid.uuid4().hex[:10]}"
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/index.db"
    elif base is None:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    else:
        await admin_sql(base, f'CREATE DATABASE "{database}"')
        url = make_url(base).set(database=database).render_as_string(hide_password=False)
    await upgrade(url, "index")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(person.insert(), [
            {"person_id": f"H{i:08d}", "surname": "Test", "forenames": "Synthetic", "date_of_birth": date(1990, 1, 1)}
            for i in range(N)])
        await conn.execute(person_link.insert(), [
            {"person_id": f"H{i:08d}", "scheme": "crn", "value": f"X{i:06d}"} for i in range(N)]
            + [{"person_id": f"H{i:08d}", "scheme": "pncId", "value": f"X{i:06d}"} for i in range(0, N, 2)])
    yield PersonIndex(engine)
    await engine.dispose()
    if request.param == "postgresql" and base is not None:
        await admin_sql(base, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


async def test_thousands_of_identifiers_resolve_in_one_statement(index: PersonIndex) -> None:
    asked = [f"X{i:06d}" for i in range(N)] + ["X999999", "not-an-identifier", "'); DROP TABLE person; --"]
    with count_statements({"index": index.engine}) as counted:
        ids = await index.resolve("crn", asked)
        found = await index.find_many("pncId", asked)
    assert counted["index"] == 2
    assert ids == {f"H{i:08d}" for i in range(N)}
    assert found == {f"X{i:06d}": f"H{i:08d}" for i in range(0, N, 2)}  # the scheme is respected
    assert await index.resolve("crn", []) == set() and await index.find_many("crn", []) == {}
    assert await index.count() == N  # the quoted value was a value, not SQL

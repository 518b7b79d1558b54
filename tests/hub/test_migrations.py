"""Migrations of the hub's own stores: an empty database, and one the previous release left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from hub.core.db import create_engine
from hub.core.migrations import current, head, upgrade

# The person index as the first release created it (metadata.create_all, no Alembic, no match index).
FIRST_RELEASE = [
    "CREATE TABLE person (person_id VARCHAR(9) PRIMARY KEY, surname VARCHAR(60) NOT NULL, "
    "forenames VARCHAR(80) NOT NULL, date_of_birth DATE NOT NULL)",
    "CREATE TABLE person_link (person_id VARCHAR(9) NOT NULL REFERENCES person (person_id), "
    "scheme VARCHAR(20) NOT NULL, value VARCHAR(16) NOT NULL, PRIMARY KEY (scheme, value))",
    "CREATE INDEX ix_person_link_person_id ON person_link (person_id)",
    "INSERT INTO person VALUES ('H00000001', 'Example', 'Test', '1990-01-01')",
    "INSERT INTO person_link VALUES ('H00000001', 'crn', 'X123456')",
]


async def shape(url: str) -> tuple[set[str], set[str], list[Any]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            indexes = {str(i["name"]) for i in await conn.run_sync(
                lambda c: [*inspect(c).get_indexes("person"), *inspect(c).get_indexes("person_link")])}
            rows: list[Any] = list((await conn.execute(text("SELECT person_id, scheme, value FROM person_link"))).all())
            return tables, indexes, rows
    finally:
        await engine.dispose()


async def run_sql(url: str, statements: list[str]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def check_empty(url: str) -> None:
    assert await current(url, "index") is None
    assert await upgrade(url, "index") == head("index") == "0005"
    tables, indexes, rows = await shape(url)
    assert {"person", "person_link", "hub_policy_version", "alembic_version_index"} <= tables
    assert "ix_person_surname_dob" in indexes and rows == []
    assert {"ix_person_link_resolve", "ix_person_link_person"} <= indexes and "ix_person_link_person_id" not in indexes
    assert await upgrade(url, "index") == "0005"  # a second run changes nothing


async def check_previous_release(url: str) -> None:
    await run_sql(url, FIRST_RELEASE)
    assert await upgrade(url, "index") == "0005"
    _tables, indexes, rows = await shape(url)
    assert "ix_person_surname_dob" in indexes
    assert {"ix_person_link_resolve", "ix_person_link_person"} <= indexes and "ix_person_link_person_id" not in indexes
    assert [tuple(r) for r in rows] == [("H00000001", "crn", "X123456")], "the upgrade lost data"


async def test_upgrade_an_empty_sqlite_database(tmp_path: Path) -> None:
    await check_empty(f"sqlite+aiosqlite:///{tmp_path / 'index.db'}")


async def test_upgrade_a_previous_release_sqlite_database(tmp_path: Path) -> None:
    await check_previous_release(f"sqlite+aiosqlite:///{tmp_path / 'index.db'}")


async def test_upgrade_an_empty_postgresql_database(make_pg_database: Any) -> None:
    await check_empty(await make_pg_database("index"))


async def test_upgrade_a_previous_release_postgresql_database(make_pg_database: Any) -> None:
    await check_previous_release(await make_pg_database("index"))


def test_hub_db_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli import main

    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    assert main(["db", "current"]) == 0
    out = capsys.readouterr().out
    assert "index: at None, latest 0005" in out and "audit: at None, latest 0002" in out
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "index: at 0005" in out and "audit: at 0002" in out
    assert main(["db", "current"]) == 0
    assert "audit: at 0002, latest 0002" in capsys.readouterr().out


def test_serve_refuses_an_old_schema_when_told_not_to_migrate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli import main

    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_MIGRATE_ON_START", "false")
    # Fails before uvicorn starts: the exit code and message say what to run.
    assert main(["serve", "--no-seed", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "SCHEMA_OUT_OF_DATE" in err and "index store is at revision none (empty)" in err and "hub db upgrade" in err

"""An agency database that is down, missing or broken is SourceUnavailable, naming the agency, never the SQL."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from connectors.police.connector import SqlPoliceConnector
from connectors.police.records import IomCohort, PoliceCriteria
from connectors.sql_source import SqlSource, unavailable
from hub.core.agency import SourceUnavailable
from hub.core.db import create_engine
from tests.conftest import postgres_base_url


def unreachable(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite-without-tables":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    base = postgres_base_url()
    if base is None:
        pytest.skip("HUB_TEST_POSTGRES_URL is not set")
    url = make_url(base)
    if kind == "postgresql-missing-database":
        return url.set(database=f"hubtest_absent_{uuid.uuid4().hex[:8]}").render_as_string(hide_password=False)
    return url.set(port=1).render_as_string(hide_password=False)  # nothing listens on port 1


@pytest.mark.parametrize("kind", ["sqlite-without-tables", "postgresql-missing-database", "postgresql-refused"])
async def test_every_read_of_an_unreachable_agency_is_source_unavailable(kind: str, tmp_path: Path) -> None:
    police = SqlPoliceConnector(create_engine(unreachable(kind, tmp_path)))
    try:
        cohorts = PoliceCriteria(iom_cohorts=frozenset(IomCohort))
        reads: list[Callable[[], Awaitable[Any]]] = [
            lambda: police.search(cohorts), lambda: police.nominals(["2019/0000001X"]),
            lambda: police.arrests(["2019/0000001X"]), lambda: police.caseload("iom-officer-001")]
        if kind.startswith("postgresql"):
            reads.append(police.health)  # an SQLite file without the tables still answers SELECT 1
        for read in reads:
            with pytest.raises(SourceUnavailable) as raised:
                await read()
            assert raised.value.agency == "police"
            assert "SELECT" not in str(raised.value) and "2019/" not in str(raised.value)
            assert raised.value.__cause__ is None and raised.value.__suppress_context__, "the driver's message"
    finally:
        await police.close()


@pytest.mark.parametrize("sql", ["SELECT no_such_column FROM pg_class", "SELECT 1 / 0", "SELECT 'x'::int"])
async def test_a_wrong_query_is_not_blamed_on_the_agency(postgres_url: str, sql: str) -> None:
    """Only a database that cannot serve is SourceUnavailable; a bug in a query stays an internal error."""
    source = SqlSource(create_engine(postgres_url), "police")
    try:
        with pytest.raises(DBAPIError) as raised:
            await source.rows(text(sql))
        assert not unavailable(raised.value)
    finally:
        await source.close()

"""The same graph on PostgreSQL: one database per agency plus the index, seeded and queried for real."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from connectors.registry import AGENCIES
from hub.cli.seeding import seed_all
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.services.caseload import CallerConditions
from hub.services.people import PeopleService
from hub.services.relationships import referred_to
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.conftest import AS_OF, SEED, sqlite_settings
from tests.graph_client import GraphClient
from tests.http.conftest import STAFF
from tests.http.test_sharing_matrix import condition_sets
from tests.http.test_sharing_matrix import referred_to as referred_in_tables
from tests.hub.test_people_probe import BROAD, FILTERS, walk

PAGE = """query($first: Int!, $filter: PeopleFilter) { people(first: $first, filter: $filter) { totalCount
  edges { node { id name identifiers { pncId crn nhsNumber housingReference }
    police { iomCohort arrests { offence outcome } } probation { ogrsBand releaseDate licenceConditions { kind } }
    housing { borough accommodationStatus } treatment { engaged consents { shareWith } } } } } }"""


@pytest.fixture
async def pg_hub(tmp_path: Path, make_pg_database: Any) -> AsyncIterator[tuple[Settings, Hub]]:
    urls = {a.name: await make_pg_database(a.name) for a in AGENCIES}
    index_url = await make_pg_database("index")
    settings = sqlite_settings(tmp_path).model_copy(update=dict(agency_urls=urls, index_url=index_url))
    await seed_all(settings, people=120, seed=SEED, as_of=AS_OF)
    hub = Hub.open(settings)
    yield settings, hub
    await hub.close()


async def test_the_graph_answers_the_same_on_postgresql_as_on_sqlite(pg_hub: tuple[Settings, Hub],
                                                                     tmp_path: Path) -> None:
    settings, hub = pg_hub
    pg = GraphClient(create_app(settings, governance=False, hub=hub))
    lite_settings = sqlite_settings(tmp_path / "lite")
    await seed_all(lite_settings, people=120, seed=SEED, as_of=AS_OF)
    lite_hub = Hub.open(lite_settings)
    try:
        lite = GraphClient(create_app(lite_settings, governance=False, hub=lite_hub))
        for variables in ({"first": 120}, {"first": 50, "filter": {"iomCohorts": ["FIXED", "FLEX"]}},
                          {"first": 50, "filter": {"accommodationStatuses": ["NFA"], "ogrsBands": ["HIGH"]}},
                          {"first": 50, "filter": {"arrestedSince": f"{AS_OF - timedelta(days=1)}T18:00:00Z"}}):
            on_pg, on_lite = await pg.query(PAGE, variables), await lite.query(PAGE, variables)
            assert "errors" not in on_pg, on_pg.get("errors")
            assert on_pg == on_lite, variables
        assert on_pg["data"]["people"]["totalCount"] > 0
    finally:
        await lite_hub.close()


async def test_statement_count_is_bounded_on_postgresql(pg_hub: tuple[Settings, Hub]) -> None:
    settings, hub = pg_hub
    graph = GraphClient(create_app(settings, governance=False, hub=hub))
    counts = []
    for first in (10, 100):
        with count_statements(hub.sql_engines()) as counted:
            result = await graph.query(PAGE, {"first": first})
        assert len(result["data"]["people"]["edges"]) == first
        counts.append(sum(counted.values()))
    assert counts[0] == counts[1], counts


async def test_lookups_by_identifier_on_postgresql(pg_hub: tuple[Settings, Hub]) -> None:
    settings, hub = pg_hub
    graph = GraphClient(create_app(settings, governance=False, hub=hub))
    first = (await graph.query('{ person(id: "H00000001") { identifiers { pncId crn nhsNumber } } }'))
    ids = first["data"]["person"]["identifiers"]
    for scheme, value in (("PNC_ID", ids["pncId"]), ("CRN", ids["crn"]), ("NHS_NUMBER", ids["nhsNumber"])):
        found = await graph.query(f'{{ personByIdentifier(scheme: {scheme}, value: "{value}") {{ id }} }}')
        assert found["data"]["personByIdentifier"] == {"id": "H00000001"}


async def test_seeding_leaves_planner_statistics_on_every_table(pg_hub: tuple[Settings, Hub]) -> None:
    # A bulk load without ANALYZE left PostgreSQL guessing: a per-offender latest-release lookup
    # scanned every sentence by release date (13 ms a call at London scale instead of 0.1 ms).
    settings, _hub = pg_hub
    for url in (*(settings.agency_url(a.name) for a in AGENCIES), settings.index_url):
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                tables = set((await conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars())
                analysed = set((await conn.execute(text(
                    "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'"))).scalars())
        finally:
            await engine.dispose()
        populated = tables - {"alembic_version_index", "synthetic_seed_run", "hub_policy_version"}  # empty
        assert populated and populated <= analysed, (url.rsplit("/", 1)[-1], populated - analysed)


async def test_filtered_pages_are_the_same_probed_or_resolved_on_postgresql(pg_hub: tuple[Settings, Hub]) -> None:
    _, hub = pg_hub
    probing = PeopleService(hub.index, hub.agencies)
    sets = PeopleService(hub.index, hub.agencies, probe_factor=0)
    assert await probing._probe(BROAD, 7, None) is not None, "the probe path is the one under test"
    for name, q in FILTERS.items():
        assert await walk(probing, q, 7) == await walk(sets, q, 7), name


async def test_relationship_sets_on_postgresql(pg_hub: tuple[Settings, Hub]) -> None:
    # Open referrals (a boolean column, a status, a date range) read the same on PostgreSQL as the tables say.
    settings, hub = pg_hub
    for role in ("housing-officer", "treatment-keyworker"):
        user, agency = STAFF[role]
        conditions = CallerConditions(hub.index, hub.agencies, agency, user)
        assert await referred_to(hub.agencies, hub.index, agency) == await referred_in_tables(settings, agency)
        got = await conditions.relationship()
        assert got == (await condition_sets(settings, role))["relationship"] and got > await conditions.caseload()

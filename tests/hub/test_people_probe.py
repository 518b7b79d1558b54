"""Filtered pages found by probing the next people in id order, or by resolving every match: the same pages.

PeopleService pages a broad filter by asking each agency which of the next few hundred people
match, and a selective one by resolving every match; it remembers which filters were selective.
Both paths must give the same people, the same hasNextPage and the same totalCount, page after page.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from connectors.housing.records import AccommodationStatus, HousingCriteria
from connectors.police.records import IomCohort, PoliceCriteria
from connectors.probation.records import ProbationCriteria
from hub.core.boroughs import Borough
from hub.core.ogrs import OgrsBand
from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.services import cursors
from hub.services.people import PeopleQuery, PeopleService
from hub.web.runtime import Hub
from schema.governance.agency_graph import DateRange
from schema.graph.filters import to_query
from tests.conftest import AS_OF


def query(among: frozenset[str] | None = None, released_from: date | None = None, released_to: date | None = None,
          **criteria: Any) -> PeopleQuery:
    """A people filter as the graph takes it (snake-case names here), made into each agency's criteria."""
    values = {"".join(w.title() if i else w for i, w in enumerate(k.split("_"))): v for k, v in criteria.items()}
    if released_from or released_to:
        values["releasedBetween"] = DateRange(from_=released_from, to=released_to)
    return to_query(values, among)


BROAD = query(iom_cohorts=frozenset(IomCohort))
SELECTIVE = query(boroughs=frozenset({Borough.HACKNEY}),
                        accommodation_statuses=frozenset({AccommodationStatus.NFA,
                                                          AccommodationStatus.ROUGH_SLEEPING,
                                                          AccommodationStatus.TRANSIENT}))
FILTERS = {
    "iom-cohorts": BROAD,
    "fixed-cohort": query(iom_cohorts=frozenset({IomCohort.FIXED})),
    "borough-and-status": SELECTIVE,
    "borough": query(boroughs=frozenset({Borough.HACKNEY, Borough.LAMBETH, Borough.NEWHAM})),
    "mappa": query(mappa_levels=frozenset({1, 2, 3})),
    "ogrs-high-in-cohort": query(ogrs_bands=frozenset({OgrsBand.HIGH}), iom_cohorts=frozenset(IomCohort)),
    "arrested": query(arrested_since=datetime.combine(AS_OF - timedelta(days=90), datetime.min.time())),
    "released": query(released_from=AS_OF - timedelta(days=365), released_to=AS_OF),
    "three-agencies": query(iom_cohorts=frozenset(IomCohort), mappa_levels=frozenset({1, 2, 3}),
                                  boroughs=frozenset({Borough.HACKNEY, Borough.LAMBETH, Borough.NEWHAM,
                                                      Borough.CROYDON, Borough.BRENT})),
    "cohort-in-scope": query(iom_cohorts=frozenset(IomCohort),
                                   among=frozenset(f"H{i:08d}" for i in range(1, 301, 2))),
}


#: Filters broad enough in the 300 test people for a probe of 64 of them to hold a page of 7.
PROBED_AT_7 = ("iom-cohorts", "arrested", "released", "cohort-in-scope")


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


async def walk(service: PeopleService, q: PeopleQuery, first: int) -> list[tuple[list[str], bool]]:
    pages = []
    after = None
    while True:
        page = await service.page(q, first, after)
        pages.append(([p.person_id for p in page.people], page.has_next_page))
        if not page.has_next_page:
            return pages
        after = page.end_cursor


class Probing(PeopleService):
    """Probes every page (no memory of selective filters) and counts the pages its probe answered."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub.index, hub.agencies, selective_for=0, in_index=False)
        self.probed = 0

    async def _probe(self, q: PeopleQuery, first: int, after: str | None,
                     consulted: dict[str, set[str]] | None = None) -> list[str] | None:
        found = await super()._probe(q, first, after, consulted)
        self.probed += found is not None
        return found


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("first", [1, 7, 40])
async def test_probing_and_resolving_every_match_give_the_same_pages(hub: Hub, name: str, first: int) -> None:
    q = FILTERS[name]
    probing = Probing(hub)
    sets = PeopleService(hub.index, hub.agencies, probe_factor=0, in_index=False)
    want = await walk(sets, q, first)
    assert await walk(probing, q, first) == want
    assert await walk(PeopleService(hub.index, hub.agencies), q, first) == want  # chosen by the index
    if first == 40 or (first == 7 and name in PROBED_AT_7):  # 8 x 41 candidates are all 300 people
        assert probing.probed, "the probe path is the one under test"
    everyone = [i for ids, _ in want for i in ids]
    assert everyone == sorted(set(everyone)), "pages overlap or leave id order"
    assert await probing.total(q) == len(everyone) == (await sets.page(q, first, None)).total_count


async def test_a_page_over_everyone_is_chosen_and_read_by_the_index_in_one_statement(hub: Hub) -> None:
    service = PeopleService(hub.index, hub.agencies)
    q = query(iom_cohorts=frozenset(IomCohort), boroughs=frozenset({Borough.HACKNEY, Borough.LAMBETH, Borough.NEWHAM}))
    with count_statements(hub.sql_engines()) as counted:
        page = await service.page(q, 3, None)
    assert counted == {**dict.fromkeys(counted, 0), "index": 1, "police": 1, "housing": 1}, counted
    expected = await PeopleService(hub.index, hub.agencies, probe_factor=0, in_index=False).page(q, 3, None)
    assert page.people == expected.people and page.has_next_page == expected.has_next_page
    assert len(page.people) == 3 and page.people[0].links, "people read with their links"
    assert page.searched_all and page.consulted == {}, "the agencies searched everyone: no one in particular"
    with count_statements(hub.sql_engines()) as counted:
        everyone = await service.page(PeopleQuery(), 5, None)
    assert counted["index"] == 1 and sum(counted.values()) == 1 and len(everyone.people) == 5
    assert not everyone.searched_all
    with count_statements(hub.sql_engines()) as counted:
        nobody = await service.page(query(arrested_since=datetime(2100, 1, 1)), 5, None)
    assert nobody.people == [] and not nobody.has_next_page
    assert counted["index"] == 0, "an agency that matched no one: no one to choose"


async def test_a_broad_filter_is_probed_and_a_selective_one_remembered(hub: Hub) -> None:
    service = PeopleService(hub.index, hub.agencies, in_index=False)
    engines = hub.sql_engines()
    with count_statements(engines) as counted:
        broad = await service._probe(BROAD, 7, None)
    assert broad is not None and len(broad) == 8, "an IOM cohort holds a page within 64 people"
    assert counted["index"] == 1 and counted["police"] == 1, counted
    page = await service.page(BROAD, 7, cursors.encode_person(broad[-1]))
    assert page.total_count is None, "a probed page is counted only when asked"
    assert await service._probe(SELECTIVE, 7, None) is None, "a borough's homeless do not fill 64 people"
    with count_statements(engines) as counted:
        assert await service._probe(SELECTIVE, 7, None) is None
    assert sum(counted.values()) == 0, "a filter just found selective is not probed again"
    assert (await service.page(SELECTIVE, 7, None)).total_count is not None
    counted_page = await PeopleService(hub.index, hub.agencies, in_index=False).page(BROAD, 7, None, count=True)
    assert counted_page.total_count == await service.total(BROAD), "counting takes the set path, which counts"
    with count_statements(engines) as counted:
        assert await service._probe(replace(BROAD, among=frozenset()), 7, None) == []
    assert sum(counted.values()) == 0, "a scope holding no one needs no query"


async def test_a_selective_filter_is_probed_again_once_its_memory_lapses(hub: Hub) -> None:
    service = PeopleService(hub.index, hub.agencies, selective_for=0.2, in_index=False)
    engines = hub.sql_engines()
    assert await service._probe(SELECTIVE, 7, None) is None
    with count_statements(engines) as counted:
        assert await service._probe(SELECTIVE, 7, None) is None
    assert sum(counted.values()) == 0, "remembered as selective"
    await asyncio.sleep(0.25)
    with count_statements(engines) as counted:
        assert await service._probe(SELECTIVE, 7, None) is None
    assert sum(counted.values()) > 0, "after selective_for seconds the filter is probed again"


@pytest.mark.parametrize(("agency", "criteria"), [
    ("police", PoliceCriteria(iom_cohorts=frozenset(IomCohort))),
    ("probation", ProbationCriteria(mappa_levels=frozenset({1, 2, 3}), released_from=date(2020, 1, 1))),
    ("housing", HousingCriteria(boroughs=frozenset({"Hackney", "Lambeth", "Newham"}))),
    ("treatment", None),
])
async def test_a_connector_searches_among_given_keys(hub: Hub, agency: str, criteria: Any) -> None:
    connector = hub.agencies[agency]
    everything = await connector.search(criteria)
    assert everything
    pool = sorted(await hub.index.links(connector.key_scheme))
    among = set(pool[::3]) | {"not-a-key", "x' OR '1'='1"}
    assert await connector.search(criteria, among=among) == everything & among
    with count_statements(hub.sql_engines()) as counted:
        assert await connector.search(criteria, among=[]) == set()
    assert sum(counted.values()) == 0

"""Ordering people: exact order against the data, keyset pages, filters combined, constant statements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.conftest import PEOPLE
from tests.graph_client import GraphClient

ORDERED = """
query($first: Int!, $after: String, $filter: PeopleFilter, $order: PersonOrder) {
  people(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name dateOfBirth
      probation { ogrsScore releaseDate } police { arrests { arrestedAt } } } }
  }
}
"""


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


@pytest.fixture
def graph(settings: Settings, hub: Hub) -> GraphClient:
    return GraphClient(create_app(settings, governance=False, hub=hub))


async def walk(graph: GraphClient, order: dict[str, str], first: int,
               filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        result = await graph.query(ORDERED, {"first": first, "after": after, "filter": filter, "order": order})
        assert "errors" not in result, result["errors"]
        page = result["data"]["people"]
        out += [e["node"] for e in page["edges"]]
        assert page["edges"] == [] or page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


def value(field: str, p: dict[str, Any]) -> Any:
    if field == "SURNAME":
        return p["name"].rsplit(" ", 1)[-1]
    if field == "DATE_OF_BIRTH":
        return date.fromisoformat(p["dateOfBirth"])
    if field == "OGRS_SCORE":
        return p["probation"]["ogrsScore"] if p["probation"] else None
    if field == "RELEASE_DATE":
        return p["probation"]["releaseDate"] if p["probation"] else None
    arrests = p["police"]["arrests"] if p["police"] else []
    return max((a["arrestedAt"] for a in arrests), default=None)


def expected_order(people: list[dict[str, Any]], field: str, descending: bool) -> list[str]:
    present = [p for p in people if value(field, p) is not None]
    missing = sorted(p["id"] for p in people if value(field, p) is None)
    # Ties by person id ascending in both directions, then those without a value.
    present.sort(key=lambda p: p["id"])
    present.sort(key=lambda p: value(field, p), reverse=descending)
    return [p["id"] for p in present] + missing


@pytest.mark.parametrize("field", ["SURNAME", "DATE_OF_BIRTH", "OGRS_SCORE", "RELEASE_DATE", "LATEST_ARREST"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_order_walks_everyone_once_in_exactly_that_order(graph: GraphClient, field: str,
                                                                     direction: str) -> None:
    walked = await walk(graph, {"field": field, "direction": direction}, first=37)
    assert len(walked) == PEOPLE == len({p["id"] for p in walked})
    assert [p["id"] for p in walked] == expected_order(walked, field, direction == "DESC")
    if field in ("OGRS_SCORE", "RELEASE_DATE", "LATEST_ARREST"):
        assert value(field, walked[-1]) is None, "people without a value come last"


async def test_person_id_order_descending_reverses_the_default(graph: GraphClient) -> None:
    asc = [p["id"] for p in await walk(graph, {"field": "PERSON_ID"}, first=200)]
    desc = [p["id"] for p in await walk(graph, {"field": "PERSON_ID", "direction": "DESC"}, first=200)]
    assert asc == sorted(asc) and desc == asc[::-1]


async def test_order_combines_with_a_filter_and_counts_the_matches(graph: GraphClient) -> None:
    flt = {"ogrsBands": ["HIGH"]}
    walked = await walk(graph, {"field": "OGRS_SCORE", "direction": "DESC"}, first=10, filter=flt)
    scores = [p["probation"]["ogrsScore"] for p in walked]
    assert scores and all(s >= 75 for s in scores) and scores == sorted(scores, reverse=True)
    result = await graph.query(ORDERED, {"first": 1, "filter": flt, "order": {"field": "OGRS_SCORE"}})
    assert result["data"]["people"]["totalCount"] == len(walked)


async def test_ordered_pages_cost_the_same_statements_whatever_their_size(graph: GraphClient, hub: Hub) -> None:
    counts = []
    for first in (5, 200):
        with count_statements(hub.sql_engines()) as counted:
            result = await graph.query(ORDERED, {"first": first, "order": {"field": "RELEASE_DATE"}})
        assert len(result["data"]["people"]["edges"]) == first
        counts.append(sum(counted.values()))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("cursor_from", ["person-id order", "another order", "garbage"])
async def test_a_cursor_from_elsewhere_is_bad_user_input(graph: GraphClient, cursor_from: str) -> None:
    if cursor_from == "garbage":
        cursor = "bm90LWEtY3Vyc29y"
    else:
        order = {"field": "SURNAME"} if cursor_from == "another order" else None
        first = await graph.query(ORDERED, {"first": 1, "order": order})
        cursor = first["data"]["people"]["pageInfo"]["endCursor"]
    result = await graph.query(ORDERED, {"first": 1, "after": cursor, "order": {"field": "OGRS_SCORE"}})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and result["data"] == {"people": None}


async def test_an_order_on_a_masked_field_is_refused_though_a_filter_on_it_is_not() -> None:
    # An order uses the exact value: under a mask (initials, birth year) it would disclose what the mask hides.
    from dataclasses import dataclass

    from hub.core.errors import FilterNotPermitted
    from schema.governance.gate import Gate
    from schema.graph.access import scope_for

    @dataclass(frozen=True)
    class Masked:
        effect: str = "mask"
        visible: bool = True
        transform: str | None = "initials"
        condition: str | None = None
        clause: str = "TEST-ISA 1.1"
        agreement: str = "test"
        legal_basis: str = "test"
        mask: str | None = "initials"
        aggregate: bool = False
        owner: str = "identity"

    class Plan:
        def field(self, field_key: str) -> Masked:
            return Masked()

    gate = Gate(Plan(), None)
    assert (await scope_for(gate, "filter", ["Person.name"])).among is None
    with pytest.raises(FilterNotPermitted, match="only masked"):
        await scope_for(gate, "orderBy", ["Person.name"], exact=True)

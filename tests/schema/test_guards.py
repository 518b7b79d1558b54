"""Each query guard just under and just over its limit, with its own error code."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from hub.app import create_app
from hub.runtime import Hub
from hub.settings import QueryLimits, Settings
from schema.extensions.guards import count_tokens
from tests.graph_client import GraphClient


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


def client(settings: Settings, hub: Hub, **limits: Any) -> GraphClient:
    limited = replace(settings, limits=replace(QueryLimits(), **limits))
    return GraphClient(create_app(limited, governance=False, hub=hub))


def codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


DEPTH_6 = "{ people(first: 1) { edges { node { police { arrests { offence } } } } } }"


async def test_depth_just_under_and_over(settings: Settings, hub: Hub) -> None:
    assert codes(await client(settings, hub, max_depth=6).query(DEPTH_6)) == []
    refused = await client(settings, hub, max_depth=5).query(DEPTH_6)
    assert codes(refused) == ["QUERY_TOO_DEEP"] and refused["data"] is None


async def test_depth_counts_through_fragments(settings: Settings, hub: Hub) -> None:
    query = ("{ people(first: 1) { edges { node { ...P } } } } "
             "fragment P on Person { police { ... on PoliceRecord { arrests { offence } } } }")
    assert codes(await client(settings, hub, max_depth=6).query(query)) == []
    assert codes(await client(settings, hub, max_depth=5).query(query)) == ["QUERY_TOO_DEEP"]


async def test_aliases_just_under_and_over(settings: Settings, hub: Hub) -> None:
    query = "{ " + " ".join(f"a{i}: person(id: \"H00000001\") {{ id }}" for i in range(4)) + " }"
    assert codes(await client(settings, hub, max_aliases=4).query(query)) == []
    assert codes(await client(settings, hub, max_aliases=3).query(query)) == ["TOO_MANY_ALIASES"]


async def test_tokens_and_characters(settings: Settings, hub: Hub) -> None:
    query = '{ person(id: "H00000001") { id name } }'
    tokens = count_tokens(query, 10_000)
    assert tokens == 12  # { person ( id : "..." ) { id name } }
    assert codes(await client(settings, hub, max_tokens=tokens).query(query)) == []
    assert codes(await client(settings, hub, max_tokens=tokens - 1).query(query)) == ["TOO_MANY_TOKENS"]
    assert codes(await client(settings, hub, max_characters=len(query)).query(query)) == []
    assert codes(await client(settings, hub, max_characters=len(query) - 1).query(query)) == ["QUERY_TOO_LARGE"]


async def test_cost_counts_page_size_and_nesting(settings: Settings, hub: Hub) -> None:
    # people(1) + edges(first) + node(first) + police(first) + arrests(first) + offence(first * 5)
    query = "query($n: Int!) { people(first: $n) { edges { node { police { arrests { offence } } } } } }"
    cost_of = {10: 1 + 10 * 4 + 10 * 5}
    graph = client(settings, hub, max_cost=cost_of[10])
    assert codes(await graph.query(query, {"n": 10})) == []
    over = await graph.query(query, {"n": 11})
    assert codes(over) == ["QUERY_TOO_COSTLY"] and over["errors"][0]["extensions"]["limit"] == cost_of[10]


async def test_first_over_the_maximum_is_refused(settings: Settings, hub: Hub) -> None:
    graph = client(settings, hub, max_first=3)
    assert codes(await graph.query("{ people(first: 3) { edges { cursor } } }")) == []
    assert codes(await graph.query("{ people(first: 4) { edges { cursor } } }")) == ["BAD_USER_INPUT"]


async def test_execution_timeout_stops_the_operation(settings: Settings, hub: Hub,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    graph = client(settings, hub, timeout_seconds=0.05)
    slow_original = hub.people.page

    async def slow_page(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.5)
        return await slow_original(*args, **kwargs)

    assert codes(await graph.query("{ people(first: 1) { edges { cursor } } }")) == []
    monkeypatch.setattr(hub.people, "page", slow_page)
    result = await graph.query("{ people(first: 1) { edges { cursor } } }")
    assert codes(result) == ["QUERY_TIMEOUT"] and result["data"] is None


async def test_field_suggestions_only_in_development(settings: Settings, hub: Hub) -> None:
    query = "{ person(id: \"H00000001\") { nam } }"
    dev = await GraphClient(create_app(replace(settings, environment="development"), governance=False,
                                       hub=hub)).query(query)
    prod = await GraphClient(create_app(replace(settings, environment="production"), governance=False,
                                        hub=hub)).query(query)
    assert "Did you mean" in dev["errors"][0]["message"]
    assert "Did you mean" not in prod["errors"][0]["message"]
    assert codes(prod) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_introspection_can_be_turned_off(settings: Settings, hub: Hub) -> None:
    query = "{ __schema { queryType { name } } }"
    on = await GraphClient(create_app(settings, governance=False, hub=hub)).query(query)
    assert on["data"]["__schema"]["queryType"]["name"] == "Query"
    off = await GraphClient(create_app(replace(settings, introspection=False), governance=False,
                                       hub=hub)).query(query)
    assert off["data"] is None and set(codes(off)) == {"GRAPHQL_VALIDATION_FAILED"}

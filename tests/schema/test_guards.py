"""Each query guard just under and just over its limit, with its own error code."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.core.settings import QueryLimits, Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from schema.graph.extensions.guards import STANDARD_INTROSPECTION, standard_introspection_depth
from tests.graph_client import GraphClient


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


def client(settings: Settings, hub: Hub, **limits: Any) -> GraphClient:
    limited = settings.model_copy(update=dict(limits=QueryLimits(**limits)))
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
    tokens = 12  # { person ( id : "..." ) { id name } }
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

    # The same query answers under the default limit (a loaded machine may take longer than 50 ms).
    assert codes(await client(settings, hub).query("{ people(first: 1) { edges { cursor } } }")) == []
    monkeypatch.setattr(hub.people, "page", slow_page)
    result = await graph.query("{ people(first: 1) { edges { cursor } } }")
    assert codes(result) == ["QUERY_TIMEOUT"] and result["data"] is None


async def test_field_suggestions_only_in_development(settings: Settings, hub: Hub) -> None:
    query = "{ person(id: \"H00000001\") { nam } }"
    dev = await GraphClient(create_app(settings.model_copy(update=dict(environment="development")), governance=False,
                                       hub=hub)).query(query)
    prod = await GraphClient(create_app(settings.model_copy(update=dict(environment="production")), governance=False,
                                        hub=hub)).query(query)
    assert "Did you mean" in dev["errors"][0]["message"]
    assert "Did you mean" not in prod["errors"][0]["message"]
    assert codes(prod) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_introspection_can_be_turned_off(settings: Settings, hub: Hub) -> None:
    query = "{ __schema { queryType { name } } }"
    on = await GraphClient(create_app(settings, governance=False, hub=hub)).query(query)
    assert on["data"]["__schema"]["queryType"]["name"] == "Query"
    off = await GraphClient(create_app(settings.model_copy(update=dict(introspection=False)), governance=False,
                                       hub=hub)).query(query)
    assert off["data"] is None and set(codes(off)) == {"GRAPHQL_VALIDATION_FAILED"}


INTROSPECTED_TYPES = "types { name fields { name type { name fields { name } } } }"


async def test_the_standard_introspection_query_passes_the_default_guards(settings: Settings, hub: Hub) -> None:
    result = await client(settings, hub).query(STANDARD_INTROSPECTION)
    assert codes(result) == [] and result["data"]["__schema"]["types"]


async def test_aliases_under_introspection_count(settings: Settings, hub: Hub) -> None:
    """The attack: a few kilobytes of aliased ``types`` under ``__schema``, tens of megabytes back."""
    many = "{ __schema { " + " ".join(f"a{i}: types {{ name }}" for i in range(220)) + " } }"
    assert len(many) < 6000 and codes(await client(settings, hub).query(many)) == ["TOO_MANY_ALIASES"]


async def test_introspection_lists_count_in_the_cost(settings: Settings, hub: Hub) -> None:
    within_aliases = "{ __schema { " + " ".join(f"a{i}: {INTROSPECTED_TYPES}" for i in range(30)) + " } }"
    refused = await client(settings, hub).query(within_aliases)
    assert codes(refused) == ["QUERY_TOO_COSTLY"] and refused["data"] is None
    assert codes(await client(settings, hub).query("{ __schema { " + INTROSPECTED_TYPES + " } }")) == []


async def test_introspection_depth_is_capped_at_the_standard_querys(settings: Settings, hub: Hub) -> None:
    def nested(levels: int) -> str:
        return "{ __schema { types { fields { type { " + "ofType { " * levels + "name" + " }" * levels + " } } } } }"

    allowance = standard_introspection_depth()
    assert codes(await client(settings, hub).query(nested(allowance - 5))) == []
    refused = await client(settings, hub).query(nested(allowance - 4))
    assert codes(refused) == ["QUERY_TOO_DEEP"] and refused["errors"][0]["extensions"]["limit"] == allowance


async def test_cost_scales_with_the_number_of_identifiers_asked_for(settings: Settings, hub: Hub) -> None:
    page = await client(settings, hub).query("{ people(first: 4) { edges { node { identifiers { crn } } } } }")
    crns = [e["node"]["identifiers"]["crn"] for e in page["data"]["people"]["edges"]]
    literal = "{ peopleByIdentifiers(scheme: CRN, values: [%s]) { id } }"
    variable = "query($v: [String!]!) { peopleByIdentifiers(scheme: CRN, values: $v) { id } }"
    graph = client(settings, hub, max_cost=1 + len(crns))  # the field, then one id per value
    assert codes(await graph.query(literal % ", ".join(f'"{c}"' for c in crns))) == []
    assert codes(await graph.query(variable, {"v": crns})) == []
    over = crns + crns[:1]
    assert codes(await graph.query(literal % ", ".join(f'"{c}"' for c in over))) == ["QUERY_TOO_COSTLY"]
    assert codes(await graph.query(variable, {"v": over})) == ["QUERY_TOO_COSTLY"]

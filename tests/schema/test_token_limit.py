"""The token limit is graphql-core's parser's own (``parse(max_tokens=)``): over it is TOO_MANY_TOKENS,
a mistake within it stays a syntax error, and the limit is not the parser cache's for other limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.core.settings import Settings
from hub.web.runtime import Hub
from tests.schema.test_guards import client, codes

QUERY = '{ person(id: "H00000001") { id name } }'  # 12 tokens


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


async def test_a_mistake_within_the_limit_is_a_syntax_error(settings: Settings, hub: Hub) -> None:
    result = await client(settings, hub, max_tokens=12).query('{ person(id: "H00000001") { id name }')
    assert codes(result) == ["GRAPHQL_VALIDATION_FAILED"] and "Syntax Error" in result["errors"][0]["message"]


async def test_a_mistake_beyond_the_limit_is_too_many_tokens(settings: Settings, hub: Hub) -> None:
    result = await client(settings, hub, max_tokens=11).query(QUERY + " }")
    assert codes(result) == ["TOO_MANY_TOKENS"] and result["data"] is None
    assert result["errors"][0]["message"] == "the document has more than 11 tokens"


async def test_each_limit_parses_for_itself(settings: Settings, hub: Hub) -> None:
    assert codes(await client(settings, hub, max_tokens=12).query(QUERY)) == []
    assert codes(await client(settings, hub, max_tokens=11).query(QUERY)) == ["TOO_MANY_TOKENS"]
    assert codes(await client(settings, hub, max_tokens=12).query(QUERY)) == []

"""The execution time limit stops work that never yields, the loop gets turns meanwhile, and an
answer over the response-size limit is refused whole."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.core.settings import QueryLimits, Settings
from hub.web.app import create_app
from hub.web.graphql_view import HubGraphQL
from hub.web.runtime import Hub
from tests.graph_client import GraphClient
from tests.http.conftest import Governed

#: The attack as found (~5 KB, 220 aliases under ``__schema``, inside the token limit): runs for
#: seconds if let, every alias walking every type's fields and their types' fields.
ATTACK = ("{ __schema { " + " ".join(f"a{i}: types {{ ...T }}" for i in range(220)) + " } } "
          "fragment T on __Type { name kind fields { name args { name } type { name kind fields { name type { name } } "
          "} } }")
UNGUARDED = {"max_aliases": 100_000, "max_cost": 10**10}
PAGE = "{ people(first: 50) { edges { node { id name police { arrests { offence } } } } } }"


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


def client(settings: Settings, hub: Hub, **limits: Any) -> GraphClient:
    return GraphClient(create_app(settings.model_copy(update=dict(limits=QueryLimits(**limits))), governance=False,
                                  hub=hub))


async def test_a_query_that_never_yields_is_stopped_at_the_deadline(settings: Settings, hub: Hub,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The backstop far away, so only the executor's own deadline can stop the operation in time.
    monkeypatch.setattr(HubGraphQL, "BACKSTOP_SECONDS", 60.0)
    graph = client(settings, hub, timeout_seconds=1, **UNGUARDED)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    result = await graph.query(ATTACK)
    took = time.monotonic() - started
    ticker.cancel()
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["QUERY_TIMEOUT"]
    assert took < 1 + 30, took  # the deadline, not the wait_for backstop a minute later, ended it
    assert ticks >= 4  # other tasks ran while it did (pauses between slices give them turns)


async def test_a_response_just_over_the_limit_is_refused_whole(settings: Settings, hub: Hub) -> None:
    full = await client(settings, hub).post({"query": PAGE})
    size = len(full.content)
    assert full.json()["data"]["people"]["edges"] and size == len(json.dumps(full.json(), separators=(",", ":")))
    at_limit = await client(settings, hub, max_response_bytes=size).post({"query": PAGE})
    assert at_limit.content == full.content
    over = (await client(settings, hub, max_response_bytes=size - 1).post({"query": PAGE})).json()
    assert over["data"] is None
    assert [e["extensions"] for e in over["errors"]] == [{"code": "RESPONSE_TOO_LARGE", "limit": size - 1}]


async def test_a_refused_response_is_audited_as_such(settings: Settings) -> None:
    limited = settings.model_copy(update=dict(limits=QueryLimits(max_response_bytes=2_000)))
    hub = Hub.open(limited)
    app = create_app(limited, hub=hub)
    governed = Governed(app, limited, hub)
    try:
        result = await governed.ask(PAGE, role="police-iom-officer", purpose="iom")
        assert result["data"] is None and [e["extensions"]["code"] for e in result["errors"]] == ["RESPONSE_TOO_LARGE"]
        (record,) = await governed.records()
        assert record.event.error_codes == ("RESPONSE_TOO_LARGE",) and record.event.outcome == "refused"
    finally:
        await app.state.governance.audit.close()
        await hub.close()

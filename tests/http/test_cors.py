"""Cross-origin access (HUB_CORS_ORIGINS): listed origins only, preflights answered before anything else."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.http.conftest import Governed

FRONTEND = "http://127.0.0.1:5173"
PREFLIGHT = {"origin": FRONTEND, "access-control-request-method": "POST",
             "access-control-request-headers": "authorization, content-type, x-purpose-of-use, x-justification"}


@pytest.fixture
async def cors(settings: Settings) -> AsyncIterator[Governed]:
    allowed = settings.model_copy(update=dict(cors_origins=f"{FRONTEND}, https://iom.example.org"))
    hub = Hub.open(allowed)
    app = create_app(allowed, hub=hub)
    yield Governed(app, allowed, hub)
    await app.state.governance.audit.close()
    await hub.close()


def client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")  # type: ignore[arg-type]


async def test_a_preflight_is_answered_without_a_token_and_is_not_audited(cors: Governed) -> None:
    async with client(cors.app) as c:
        answer = await c.options("/graphql", headers=PREFLIGHT)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == FRONTEND
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-purpose-of-use", "x-justification", "traceparent",
            "idempotency-key"} <= allowed
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert await cors.records() == []  # no GraphQL request, nothing to account for


async def test_an_origin_not_listed_gets_no_access(cors: Governed) -> None:
    async with client(cors.app) as c:
        answer = await c.options("/graphql", headers={**PREFLIGHT, "origin": "http://127.0.0.1:6666"})
        posted = await c.post("/graphql", json={"query": "{ myAccess { role } }"},
                              headers={"origin": "http://127.0.0.1:6666",
                                       **cors.headers("probation-practitioner", "iom")})
    assert answer.status_code == 400 and "access-control-allow-origin" not in answer.headers
    # The request itself is served (a browser would withhold the answer from the page): no header opens it.
    assert "access-control-allow-origin" not in posted.headers


async def test_the_page_may_read_the_answer_and_its_trace_id(cors: Governed) -> None:
    async with client(cors.app) as c:
        posted = await c.post("/graphql", json={"query": "{ people(first: 1) { edges { node { id } } } }"},
                              headers={"origin": FRONTEND, **cors.headers("probation-practitioner", "iom")})
    assert posted.status_code == 200 and posted.json()["data"]["people"]["edges"]
    assert posted.headers["access-control-allow-origin"] == FRONTEND
    exposed = {h.strip().lower() for h in posted.headers["access-control-expose-headers"].split(",")}
    assert {"x-trace-id", "x-request-id"} <= exposed and posted.headers["x-trace-id"]


async def test_without_the_setting_no_origin_is_let_in(governed: Governed) -> None:
    async with client(governed.app) as c:
        answer = await c.options("/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize("setting", ["*", "iom.example.org", "https://iom.example.org/app", "ftp://x.org"])
def test_anything_but_a_list_of_origins_is_refused_at_start(settings: Settings, setting: str) -> None:
    with pytest.raises(ConfigurationError, match="HUB_CORS_ORIGINS"):
        create_app(settings.model_copy(update=dict(cors_origins=setting)))

"""Each operation of a batch is audited and answered on its own; the view fails closed; GraphiQL is one page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from hub.core.settings import Settings
from hub.web.app import open_governance
from hub.web.audit_middleware import AuditMiddleware
from hub.web.graphql_view import HubGraphQL
from hub.web.request_id import RequestIdMiddleware
from hub.web.runtime import Hub
from tests.http.conftest import Governed


async def test_each_operation_of_a_batch_has_its_own_record_and_errors(governed: Governed) -> None:
    batch = [
        {"query": 'query One { person(id: "H00000001") { name identifiers { nhsNumber } } }', "operationName": "One"},
        {"query": 'query Two($id: ID!) { person(id: $id) { name } }', "operationName": "Two",
         "variables": {"id": "H00000002"}},
    ]
    response = await governed.post(batch, governed.headers("police-iom-officer", "iom"))
    assert response.status_code == 200
    one, two = response.json()
    assert [e["extensions"]["code"] for e in one["errors"]] == ["FIELD_NOT_SHARED"]
    assert one["errors"][0]["path"] == ["person", "identifiers"]
    assert "errors" not in two and two["data"]["person"]["name"]
    records = await governed.records()
    assert len(records) == 2
    by_name = {r.event.operation_name: r.event for r in records}
    assert set(by_name) == {"One", "Two"}
    assert by_name["One"].subjects == ("H00000001",) and by_name["Two"].subjects == ("H00000002",)
    assert by_name["One"].query_hash != by_name["Two"].query_hash
    assert by_name["One"].variables_hash != by_name["Two"].variables_hash
    assert by_name["One"].outcome == "partial" and by_name["Two"].outcome == "ok"
    assert by_name["One"].withheld and not by_name["Two"].withheld
    assert by_name["Two"].error_codes == ()
    assert {r.event.request_id for r in records} == {records[0].event.request_id}, "one request, two records"


async def get(app: Starlette, url: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        return await client.get(url, headers=headers)


@pytest.mark.parametrize("query_string", ["quer%79=%7B__typename%7D", "query=%7B__typename%7D", "%71uery=x", "x",
                                          "query"])
async def test_only_the_bare_page_is_graphiql_everything_else_is_authenticated_and_audited(
        governed: Governed, query_string: str) -> None:
    html = {"accept": "text/html"}
    page = await get(governed.app, "/graphql", html)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert await governed.records() == [], "loading the page discloses nothing and is not a request for data"
    response = await get(governed.app, f"/graphql?{query_string}", html)
    assert response.status_code == 401
    assert "graphiql" not in response.text.lower() and "did you mean" not in response.text.lower()
    [record] = await governed.records()
    assert record.event.outcome == "unauthenticated"


@pytest.fixture
async def ungated(settings: Settings) -> AsyncIterator[tuple[Starlette, Governed]]:
    """The GraphQL view with governance on but nothing in front of it that authenticates the caller."""
    hub = Hub.open(settings)
    gov = open_governance(settings, None, None)
    view = HubGraphQL(hub, settings, governance=gov, graphql_ide=None)
    app = Starlette(routes=[Route("/graphql", view, methods=["GET", "POST"])],
                    middleware=[Middleware(RequestIdMiddleware), Middleware(AuditMiddleware, sink=gov.audit)])
    app.state.governance = gov
    yield app, Governed(app, settings, hub)
    await gov.audit.close()
    await hub.close()


async def test_the_view_refuses_to_run_without_a_verified_caller_and_plan(
        ungated: tuple[Starlette, Governed]) -> None:
    _app, governed = ungated
    response = await governed.post({"query": '{ person(id: "H00000001") { name police { iomCohort } } }'}, {})
    assert response.status_code == 401
    assert "H00000001" not in response.text and '"name"' not in response.text
    [record] = await governed.records()
    assert record.event.outcome == "unauthenticated" and record.event.subjects == ()

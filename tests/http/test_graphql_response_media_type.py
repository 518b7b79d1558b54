"""GraphQL over HTTP's ``application/graphql-response+json``: chosen by Accept, 400 for documents that
cannot run (and no data entry), 200 with data for anything that executed; legacy JSON unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from hub.web.media_types import GRAPHQL_RESPONSE, JSON, response_media_type
from tests.http.conftest import Governed

NEW = {"accept": GRAPHQL_RESPONSE}


@pytest.mark.parametrize(("accept", "chosen"), [
    (None, JSON), ("*/*", JSON), ("application/json", JSON), (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
    (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
    (f"application/json, {GRAPHQL_RESPONSE};q=0.5", JSON), (f"{GRAPHQL_RESPONSE};q=0", JSON),
    (f"{GRAPHQL_RESPONSE};q=nonsense", JSON),
])
def test_the_media_type_follows_accept(accept: str | None, chosen: str) -> None:
    assert response_media_type(accept) == chosen


async def post(governed: Governed, query: str, accept: dict[str, str]) -> tuple[int, str, dict[str, Any]]:
    headers = {**governed.headers("probation-practitioner", "iom"), **accept}
    answer = await governed.post({"query": query}, headers)
    return answer.status_code, answer.headers["content-type"], answer.json()


@pytest.mark.parametrize("query", ["{ people(first: 1) { edges { node { id } }", "{ noSuchField }",
                                   "{ people(first: 1) { edges { node { id } } } } { myAccess { role } }"])
async def test_a_document_that_cannot_run_is_a_400_without_data(governed: Governed, query: str) -> None:
    status, media, body = await post(governed, query, NEW)
    assert (status, media.split(";")[0]) == (400, GRAPHQL_RESPONSE)
    assert "data" not in body and body["errors"]
    # The legacy type answers the same document 200, with data null, as before.
    status, media, body = await post(governed, query, {"accept": "application/json"})
    assert (status, media.split(";")[0]) == (200, JSON) and body["data"] is None and body["errors"]


async def test_an_executed_document_is_a_200_with_data(governed: Governed) -> None:
    status, media, body = await post(governed, "{ people(first: 2) { edges { node { id } } } }", NEW)
    assert (status, media.split(";")[0]) == (200, GRAPHQL_RESPONSE) and len(body["data"]["people"]["edges"]) == 2
    # A field withheld during execution is still a 200: the response has data.
    status, _, body = await post(governed, '{ person(id: "H00000001") { identifiers { nhsNumber } } }', NEW)
    assert status == 200 and "data" in body


async def test_the_audit_says_a_400_document_was_malformed(governed: Governed) -> None:
    await post(governed, "{ noSuchField }", NEW)
    [record] = await governed.records()
    assert record.event.outcome == "malformed" and not record.event.subjects

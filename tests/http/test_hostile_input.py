"""Hostile input is refused with the hub's own errors: never a 500, never a plain-text answer."""

from __future__ import annotations

import base64
import json

import pytest

from hub.services.ordering import OrderField
from hub.web.body_limit import MAX_JSON_DEPTH
from schema.graph.types.people import ORDERS
from tests.graph_client import GraphClient
from tests.http.conftest import Governed

#: Deep enough that Python's json parser raises RecursionError on it.
DEEP = 20_000
PEOPLE = ("query($after: String, $order: PersonOrder) { "
          "people(first: 2, after: $after, orderBy: $order) { totalCount } }")
AUDIT = "query($a: String) { auditEvents(first: 1, after: $a) { pageInfo { hasNextPage } } }"


def cursor(kind: str, payload: str) -> str:
    """A cursor in the hub's own envelope around ``payload``."""
    return base64.urlsafe_b64encode(f"{kind}:v1:{payload}".encode()).decode().rstrip("=")


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("field", list(ORDERS.values()), ids=list(ORDERS))
async def test_an_ordering_cursor_of_deeply_nested_json_is_bad_user_input(truth: GraphClient,
                                                                           field: OrderField) -> None:
    after = cursor(f"people-by-{field.source_field}", nested(DEEP))
    result = await truth.query(PEOPLE, {"after": after, "order": {"field": field.name}})
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["argument"] == "after"


@pytest.mark.parametrize(("after", "order"), [
    (cursor("person", nested(DEEP)), None),
    (nested(DEEP), None),
    ("{" * DEEP, {"field": "SURNAME"}),
    (cursor("people-by-surname", '[["x"], "H00000001"]'), {"field": "SURNAME"}),  # a value must be flat
])
async def test_other_malformed_cursors_are_bad_user_input(truth: GraphClient, after: str,
                                                          order: dict[str, str] | None) -> None:
    result = await truth.query(PEOPLE, {"after": after, "order": order})
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]


async def test_an_audit_cursor_of_deeply_nested_json_is_bad_user_input(governed: Governed) -> None:
    for after in (cursor("audit", nested(DEEP)), base64.urlsafe_b64encode(nested(DEEP).encode()).decode()):
        result = await governed.ask(AUDIT, {"a": after}, role="ig-officer", purpose="audit", justification="SAR 1")
        assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("body", [
    nested(DEEP),                                                     # as a batch
    '{"query": "{ __typename }", "variables": {"v": ' + nested(DEEP) + "}}",
    '{"query": "{ __typename }", "extensions": ' + '{"a":' * (DEEP // 2) + "1" + "}" * (DEEP // 2) + "}",
    '{"query": "{ __typename }", "variables": {"v": ' + "[" * DEEP + "}",  # never closed
])
async def test_a_deeply_nested_body_is_a_json_400(governed: Governed, body: str) -> None:
    response = await governed.post(None, governed.headers("probation-practitioner", "iom"), raw=body.encode())
    assert response.status_code == 400 and response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": MAX_JSON_DEPTH}
    (record,) = await governed.records()
    assert record.event.error_codes == ("BAD_USER_INPUT",)


async def test_nesting_up_to_the_limit_passes(governed: Governed) -> None:
    """Depth is the body's own nesting: brackets inside strings (a query, a value) do not count."""
    value = json.loads(nested(MAX_JSON_DEPTH - 2))  # body, variables, then the value's own levels
    body = {"query": '{ person(id: "H00000001") { id } } # ' + "{[" * 500, "variables": {"v": value}}
    response = await governed.post(body, governed.headers("probation-practitioner", "iom"))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"person": {"id": "H00000001"}}

"""Authentication at connection_init, refusal with the protocol's close codes, and a token's expiry ending
the subscription."""

from __future__ import annotations

import time

import pytest
from starlette.websockets import WebSocketDisconnect

from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.events.conftest import audit_records, connect, serving, token

ARRESTS = "subscription { arrests { eventId personId arrestedAt outcome } }"


@pytest.mark.parametrize(("payload", "code", "actor"), [
    ({}, "UNAUTHENTICATED", "anonymous"),
    ({"Authorization": "Bearer not-a-token", "X-Purpose-Of-Use": "daily-intel"}, "INVALID_TOKEN", "anonymous"),
    ({"Authorization": "<probation>", "X-Purpose-Of-Use": "housing-referral-typo"}, "PURPOSE_NOT_PERMITTED", "om-001"),
    ({"Authorization": "<probation>"}, "PURPOSE_NOT_PERMITTED", "om-001"),
    ({"Authorization": "<probation>", "X-Purpose-Of-Use": "safeguarding"}, "JUSTIFICATION_REQUIRED", "om-001"),
])
def test_a_refused_connection_is_closed_with_4403_and_audited(own_settings: Settings, payload: dict[str, str],
                                                               code: str, actor: str) -> None:
    if payload.get("Authorization") == "<probation>":
        payload = {**payload, "Authorization": f"Bearer {token(own_settings, 'probation-practitioner')}"}
    with serving(own_settings) as client:
        ws = connect(client, payload)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403
    [refusal] = [r.event for r in audit_records(own_settings) if r.event.operation_name == "connection_init"]
    assert refusal.outcome in {"refused", "unauthenticated", "malformed"} and refusal.error_codes == (code,)
    assert refusal.subjects == () and refusal.disclosed == {}
    assert refusal.actor_id == actor  # a verified caller is named even when refused


def test_a_subscribe_before_connection_init_is_refused(own_settings: Settings) -> None:
    with serving(own_settings) as client, client.websocket_connect(
            "/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": ARRESTS}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_the_subscription_ends_when_the_token_expires(own_settings: Settings) -> None:
    short = issue_dev_token(own_settings, user="om-001", agency="probation", roles=["probation-practitioner"], ttl=2)
    with serving(own_settings) as client:
        ws = connect(client, {"Authorization": f"Bearer {short}", "X-Purpose-Of-Use": "daily-intel"})
        assert ws.receive_json()["type"] == "connection_ack"
        started = time.monotonic()
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": ARRESTS}})
        ended = ws.receive_json()
        assert ended["type"] == "next" and ended["payload"]["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"
        assert ws.receive_json() == {"id": "1", "type": "complete"}
        assert time.monotonic() - started < 4
        # and nothing more on this connection with the expired token
        ws.send_json({"id": "2", "type": "subscribe", "payload": {"query": ARRESTS}})
        again = ws.receive_json()
        assert again["payload"]["errors"][0]["extensions"]["code"] == "TOKEN_EXPIRED"


def test_a_subscription_over_http_is_refused_not_failed(own_settings: Settings) -> None:
    with serving(own_settings) as client:
        response = client.post("/graphql", json={"query": ARRESTS}, headers={
            "authorization": f"Bearer {token(own_settings, 'probation-practitioner')}",
            "x-purpose-of-use": "daily-intel"})
    assert response.status_code < 500, response.text

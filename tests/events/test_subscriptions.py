"""The accommodation and referrals subscriptions over the websocket, each event as the agreements release it."""

from __future__ import annotations

from typing import Any

from hub.core.settings import Settings
from tests.events.conftest import WebSocketTestSession, serving, sql, subscriber

#: K036340 / HR38716478: om-001's and housing-officer-001's client
CRN, HOUSING, PERSON = "K036340", "HR38716478", "H00000001"


def event(ws: WebSocketTestSession, field: str) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    found: dict[str, Any] = message["payload"]["data"][field]
    return found


def test_accommodation_and_referral_events(own_settings: Settings) -> None:
    with serving(own_settings) as client:
        housing = subscriber(client, own_settings, "housing-officer",
                             "subscription { accommodation { eventId personId accommodationStatus "
                             "previousAccommodationStatus statusSince } }")
        om = subscriber(client, own_settings, "probation-practitioner",
                        "subscription { referrals { eventId type personId pathway open } }")
        sql(own_settings, "housing", "UPDATE housing_client SET accommodation_status = 'nfa', "
            "status_since = '2026-12-01' WHERE housing_ref = :h", h=HOUSING)
        sql(own_settings, "probation", "INSERT INTO referral (crn, pathway, referred_on, open) "
            "VALUES (:c, 'accommodation', '2026-12-01', true)", c=CRN)
        moved = event(housing, "accommodation")
        referred = event(om, "referrals")
    assert moved["personId"] == PERSON and moved["accommodationStatus"] == "NFA"
    assert moved["previousAccommodationStatus"] == "SETTLED" and moved["statusSince"] == "2026-12-01"
    assert referred == {"eventId": referred["eventId"], "type": "REFERRAL_CREATED", "personId": PERSON,
                        "pathway": "ACCOMMODATION", "open": True}

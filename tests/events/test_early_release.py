"""Issue 15's story: probation brings a release forward by 10 days, and within a second each partner who may
know is told exactly what the agreements give them, and no one else is told anything; each delivery is audited."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any

from hub.cli.simulate import release
from hub.core.settings import Settings
from tests.events.conftest import WebSocketTestSession, audit_records, serving, sql, subscriber
from tests.http.seeded import person_of as people_by_key

RELEASES = """subscription Releases { releases {
  eventId type occurredAt personId releaseDate previousReleaseDate releaseType releaseNoticeDays
  releaseEstablishment licenceConditions { kind description } accommodationStatus recalledOn } }"""
#: X191204: in custody, a case of victim-liaison-001's, on housing-officer-001's and keyworker-001's books
CRN = "X191204"


def person_of(settings: Settings, crn: str) -> str:
    return asyncio.run(people_by_key(settings, "crn"))[crn]


def next_event(ws: WebSocketTestSession) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    data: dict[str, Any] = message["payload"]["data"]["releases"]
    return data


def told_nothing(ws: WebSocketTestSession) -> None:
    """A ping answered by a pong with nothing before it: no event came on this connection."""
    ws.send_json({"type": "ping"})
    message = ws.receive_json()
    assert message["type"] == "pong", message


def test_early_release_reaches_each_partner_with_exactly_its_fields(own_settings: Settings) -> None:
    settings = own_settings
    person = person_of(settings, CRN)
    [(planned,)] = sql(settings, "probation", "SELECT max(release_date) FROM sentence WHERE crn = :crn", crn=CRN)
    earlier = date.fromisoformat(planned) - timedelta(days=10)
    # his licence will hold a curfew too, which victim services are not told of
    sql(settings, "probation", "INSERT INTO licence_condition (crn, kind, description, starts_on) "
        "VALUES (:crn, 'curfew', 'Curfew 19:00 to 07:00 at the approved address', :on)", crn=CRN, on=earlier)
    with serving(settings) as client:
        victim = subscriber(client, settings, "victim-liaison", RELEASES)
        housing = subscriber(client, settings, "housing-officer", RELEASES)
        keyworker = subscriber(client, settings, "treatment-keyworker", RELEASES)
        # No relationship with him. (A referral is made to a service, not to one officer, so every housing
        # officer and keyworker would be told of someone referred to their service, as a query would show them.)
        others = [subscriber(client, settings, "victim-liaison", RELEASES, user="victim-liaison-002"),
                  subscriber(client, settings, "police-iom-officer", RELEASES, user="iom-officer-009"),
                  subscriber(client, settings, "employment-adviser", RELEASES),
                  subscriber(client, settings, "mappa-coordinator", RELEASES)]
        analyst = subscriber(client, settings, "partnership-analyst", RELEASES)

        started = time.monotonic()
        asyncio.run(release(settings, person, earlier, early=True))
        got = {name: next_event(ws) for name, ws in (("victim", victim), ("housing", housing),
                                                     ("keyworker", keyworker))}
        assert time.monotonic() - started < 1.0

        refused = analyst.receive_json()  # refused when it subscribed: nothing person-level for analysts
        assert refused["type"] == "next" and refused["payload"]["data"] is None
        assert refused["payload"]["errors"][0]["extensions"]["code"] == "PERSON_LEVEL_NOT_PERMITTED"
        assert analyst.receive_json() == {"id": "1", "type": "complete"}
        time.sleep(0.3)  # the stream fans out to everyone at once: anything for the others has been sent
        for ws in others:
            told_nothing(ws)

    common = {"type": "RELEASE_SCHEDULED", "personId": person, "releaseDate": earlier.isoformat(),
              "previousReleaseDate": planned, "releaseType": "EARLY_RELEASE", "recalledOn": None}
    victim_event = got["victim"]
    assert {k: victim_event[k] for k in common} == common
    # the date, the type and the exclusion zones; nothing else
    assert victim_event["releaseNoticeDays"] is None and victim_event["releaseEstablishment"] is None
    assert victim_event["accommodationStatus"] is None
    zones = victim_event["licenceConditions"]
    assert zones and {c["kind"] for c in zones} == {"EXCLUSION_ZONE"}

    housing_event = got["housing"]
    assert {k: housing_event[k] for k in common} == common
    assert housing_event["licenceConditions"] is None  # the licence is not housing's (PROB-ISA 4.3)
    assert housing_event["accommodationStatus"] == "SETTLED"  # the accommodation need
    keyworker_event = got["keyworker"]
    assert {k: keyworker_event[k] for k in common} == common
    assert keyworker_event["releaseEstablishment"] is not None  # where to book the prescribing appointment
    assert keyworker_event["licenceConditions"] is None
    # one event, one id, whoever is told
    assert victim_event["eventId"] == housing_event["eventId"] == keyworker_event["eventId"]

    deliveries = [r for r in audit_records(settings) if r.event.operation_type == "subscription"
                  and r.event.operation_name == "ReleaseScheduled"]
    by_actor = {r.event.actor_id: r.event for r in deliveries}
    assert set(by_actor) == {"victim-liaison-001", "housing-officer-001", "keyworker-001"}
    vlo = by_actor["victim-liaison-001"]
    assert vlo.subjects == (person,)
    assert vlo.purpose == "victim-contact"
    assert set(vlo.disclosed["probation"]) == {"ProbationRecord.releaseDate", "ProbationRecord.releaseType",
                                               "ProbationRecord.licenceConditions"}
    assert vlo.masked == {"ProbationRecord.licenceConditions": "PROB-ISA 4.5"}
    assert "ProbationRecord.releaseEstablishment" in vlo.withheld
    assert "PROB-ISA 6.5" in vlo.clauses
    # every delivery of the event is in the trace of its capture
    assert len({r.trace_id for r in by_actor.values()}) == 1 and vlo.trace_id
    assert "ProbationRecord.releaseEstablishment" in by_actor["keyworker-001"].disclosed["probation"]

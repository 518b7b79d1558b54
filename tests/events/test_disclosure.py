"""What an event's arrival tells: only a change the subscriber may see, recorded as exactly the fields their
subscription selects, under the agreements in force when it is delivered."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from graphql import parse, print_ast

from audit.digest import load_digest
from audit.record import Operation
from connectors.probation.events import CAPTURE
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.events.delivery import Loads, Subscriber, deliver, shows_change
from hub.events.stream import DurableConsumer, EventStream, sources_of
from hub.events.triggers import install
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore
from schema.governance.gate import Verdict
from tests.events.conftest import audit_records, serving, sql, subscriber
from tests.events.test_agreements import Recorded
from tests.events.test_early_release import CRN, next_event, person_of, told_nothing
from tests.policy_copies import copy_shipped

ZONE = ("INSERT INTO licence_condition (crn, kind, description, starts_on) "
        "VALUES (:crn, 'exclusion_zone', 'Not to enter Camberwell Green', '2026-12-01')")


def who(policy: Any, hub: Hub, user: str, agency: str, role: str, purpose: str) -> Subscriber:
    return Subscriber(user, "user", agency, (role,), purpose, None, policy.version, policy.plan((role,), purpose),
                      CallerConditions(hub.index, hub.agencies, agency, user), Operation(None, "subscription"), "c")


async def told(settings: Settings, change: str, **params: Any) -> dict[str, dict[str, Any] | None]:
    """Each subscriber's delivery of the one event ``change`` captures (None: not told), audit records checked."""
    hub = Hub.open(settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    policy = PolicyStore.open(settings).current()
    try:
        await stream.install()
        consumer = DurableConsumer(stream, "disclosure")
        await consumer.next_batch()
        sql(settings, "probation", change, **params)
        [event] = await consumer.next_batch()
        assert event.kind.name == "LicenceConditionsChanged"
        await consumer.ack(event)
        out: dict[str, dict[str, Any] | None] = {}
        loads, audit = Loads(hub.agencies, hub.index), Recorded()
        for user, role, purpose in (("victim-liaison-001", "victim-liaison", "victim-contact"),
                                    ("om-001", "probation-practitioner", "daily-intel")):
            before = len(audit.records)
            delivered = await deliver(event, who(policy, hub, user, "probation", role, purpose), loads, audit)
            assert len(audit.records) == before + (delivered is not None)  # a record exactly when sent
            out[user] = None if delivered is None else dict(delivered.values)
        return out
    finally:
        await hub.close()


async def test_victim_services_hear_of_an_exclusion_zone_changing_and_of_nothing_else_on_the_licence(
        own_settings: Settings) -> None:
    settings = own_settings
    # a curfew added, changed and ended: the licence changed, but not in anything victim services may see
    curfew = await told(settings, "INSERT INTO licence_condition (crn, kind, description, starts_on) "
                        "VALUES (:crn, 'curfew', 'Curfew 19:00 to 07:00', '2026-12-01')", crn=CRN)
    assert curfew["victim-liaison-001"] is None
    assert curfew["om-001"] is not None  # probation sees the whole licence: told
    [(curfew_id,)] = sql(settings, "probation", "SELECT max(condition_id) FROM licence_condition WHERE crn = :crn "
                         "AND kind = 'curfew'", crn=CRN)
    moved = await told(settings, "UPDATE licence_condition SET description = 'Curfew 20:00 to 06:00' "
                       "WHERE condition_id = :i", i=curfew_id)
    assert moved["victim-liaison-001"] is None and moved["om-001"] is not None
    ended = await told(settings, "DELETE FROM licence_condition WHERE condition_id = :i", i=curfew_id)
    assert ended["victim-liaison-001"] is None and ended["om-001"] is not None
    # an exclusion zone added: told, and shown only the exclusion zones
    zone = await told(settings, ZONE, crn=CRN)
    delivered = zone["victim-liaison-001"]
    assert delivered is not None
    kinds = {c.kind.value for c in delivered["licenceConditions"]}
    assert kinds == {"exclusion_zone"}


def test_a_release_type_changed_alone_is_news_only_to_who_sees_the_type() -> None:
    fields = {f.name: f for f in CAPTURE.kind("ReleaseScheduled").fields}
    data = {"release_date": "2027-01-10", "previous_release_date": "2027-01-10",
            "release_type": "early_release", "previous_release_type": "standard"}

    def verdict(name: str) -> Verdict:
        return Verdict(name, name, fields[name].field_key, True, None, None)

    assert not shows_change(fields["releaseDate"], verdict("releaseDate"), data)
    assert shows_change(fields["releaseType"], verdict("releaseType"), data)
    moved = {**data, "release_date": "2026-12-31"}
    assert shows_change(fields["releaseDate"], verdict("releaseDate"), moved)
    assert not fields["previousReleaseDate"].primary  # it rides with the date, never tells on its own


def test_a_delivery_records_only_the_fields_its_subscription_selects(own_settings: Settings) -> None:
    settings = own_settings
    person = person_of(settings, CRN)
    query = "subscription Zones($types: [ReleaseEventType!]) { releases(filter: {types: $types}) { eventId " \
            "...Licence } } fragment Licence on ReleaseEvent { licenceConditions { kind } }"
    variables = {"types": ["LICENCE_CONDITIONS_CHANGED"]}
    with serving(settings) as client:
        victim = subscriber(client, settings, "victim-liaison", query, variables=variables)
        told_nothing(victim)  # subscribed before the change
        sql(settings, "probation", ZONE, crn=CRN)
        got = next_event(victim)
    assert {c["kind"] for c in got["licenceConditions"]} == {"EXCLUSION_ZONE"}
    [record] = [r.event for r in audit_records(settings) if r.event.operation_type == "subscription"
                and r.event.operation_name == "LicenceConditionsChanged"]
    assert record.subjects == (person,)
    # personId was not asked for: who it is about did not leave (the record is still about them)
    assert {k for keys in record.disclosed.values() for k in keys} == {"ProbationRecord.licenceConditions"}
    assert record.masked == {"ProbationRecord.licenceConditions": "PROB-ISA 4.5"}  # shown through its mask
    assert record.withheld == {}  # nothing else was asked for, so nothing was withheld
    digest = load_digest(settings)
    assert record.variables_hash == digest(variables)
    # the document as a query's is digested: re-printed (so formatting does not matter), keyed
    assert record.query_hash == digest.document(print_ast(parse(query)))


def test_an_agreement_published_while_subscribed_applies_to_the_next_event(own_settings: Settings,
                                                                           tmp_path: Path) -> None:
    directory = copy_shipped(tmp_path / "policies")
    settings = own_settings.model_copy(update=dict(policy_dir=directory))
    query = "subscription { releases { eventId licenceConditions { kind } } }"
    with serving(settings) as client:
        victim = subscriber(client, settings, "victim-liaison", query)
        told_nothing(victim)
        sql(settings, "probation", ZONE, crn=CRN)
        assert next_event(victim)["licenceConditions"]
        # the partnership withdraws victim services' view of the licence
        isa = directory / "agreements" / "probation-isa.csv"
        text = isa.read_text()
        assert "victim-liaison,victim-contact,licence,mask:exclusion_zones,victim_case" in text
        isa.write_text(text.replace("victim-liaison,victim-contact,licence,mask:exclusion_zones,victim_case",
                                    "victim-liaison,victim-contact,licence,deny,"))
        assert client.app.state.governance.policies.reload()  # type: ignore[attr-defined]
        sql(settings, "probation", ZONE.replace("Camberwell", "Peckham"), crn=CRN)
        asyncio.run(asyncio.sleep(0.5))  # the event has been read and judged by now
        told_nothing(victim)
    versions = {r.event.policy_version for r in audit_records(settings) if r.event.operation_type == "subscription"}
    assert len(versions) == 1  # only the first delivery happened, under the version then in force


async def test_a_hub_upgraded_replaces_a_changed_sqlite_trigger_and_captures_what_the_new_one_declares(
        own_settings: Settings) -> None:
    settings = own_settings
    engine = create_engine(settings.agency_url("probation"))
    try:
        await install(engine, "probation", CAPTURE)
        sql(settings, "probation", "DROP TRIGGER IF EXISTS hub_probation_licence_insert")
        for (name,) in sql(settings, "probation", "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'hub_probation_licence_insert%'"):
            sql(settings, "probation", f"DROP TRIGGER {name}")
        # as an earlier hub left it: unversioned, carrying only the condition's id
        sql(settings, "probation", "CREATE TRIGGER hub_probation_licence_insert AFTER INSERT ON licence_condition "
            "FOR EACH ROW BEGIN INSERT INTO hub_outbox_probation (event_type, agency_key, occurred_at, data) "
            "VALUES ('LicenceConditionsChanged', NEW.crn, '2026-12-01T00:00:00Z', "
            "json_object('condition_id', NEW.condition_id)); END")
        await install(engine, "probation", CAPTURE)
        names = {n for (n,) in sql(settings, "probation", "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                   "AND name LIKE 'hub_probation_licence_insert%'")}
        assert len(names) == 1 and "hub_probation_licence_insert" not in names
        [(before,)] = sql(settings, "probation", "SELECT count(*) FROM hub_outbox_probation")
        sql(settings, "probation", ZONE, crn=CRN)
        rows = sql(settings, "probation", "SELECT data FROM hub_outbox_probation ORDER BY event_id")
        assert len(rows) == before + 1  # one trigger, one event
        assert '"kind":"exclusion_zone"' in rows[-1][0].replace(" ", "")  # what the new declaration carries
    finally:
        await engine.dispose()

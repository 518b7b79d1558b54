"""Delivery: durable cursors (at least once across a restart, in order, with stable ids), replay with ``since``,
and no delivery without its audit record."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from audit.record import AuditEvent, Operation
from hub.cli.simulate import arrest, release
from hub.core.errors import AuditUnavailable
from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.events.delivery import Loads, Subscriber, deliver
from hub.events.stream import DurableConsumer, EventStream, sources_of
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore
from tests.events.conftest import serving, subscriber

#: On om-001's caseload and in iom-officer-001's cohort (synthetic/population.py's guarantees).
PERSON = "H00000001"
ARRESTS = """subscription Overnight($since: DateTime) {
  arrests(since: $since) { eventId personId arrestedAt offence offenceGroup custodySuite outcome } }"""


async def test_a_durable_consumer_loses_nothing_across_a_restart(own_settings: Settings) -> None:
    hub = Hub.open(own_settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    try:
        await stream.install()
        assert await DurableConsumer(stream, "partner-a").next_batch() == []  # a new consumer starts at the head
        await arrest(own_settings, PERSON)
        await arrest(own_settings, PERSON)
        first = await DurableConsumer(stream, "partner-a").next_batch()
        police = [e for e in first if e.row.agency == "police"]
        assert [e.kind.name for e in police] == ["Arrested", "Arrested"]
        assert all(e.person_id == PERSON for e in first)
        consumer = DurableConsumer(stream, "partner-a")
        await consumer.ack(police[0])
        # the process stops here, before the second arrest was handled: a new one starts where it left off
        again = await DurableConsumer(stream, "partner-a").next_batch()
        assert [e.event_id for e in again if e.row.agency == "police"] == [police[1].event_id]
        for event in again:
            await consumer.ack(event)
        assert await DurableConsumer(stream, "partner-a").next_batch() == []
        # another consumer keeps its own place
        assert await DurableConsumer(stream, "partner-b").next_batch() == []
    finally:
        await hub.close()


class FailingAudit:
    async def append(self, event: AuditEvent) -> int:
        raise OSError("disk full")


async def test_no_audit_record_no_delivery(own_settings: Settings) -> None:
    hub = Hub.open(own_settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    policy = PolicyStore.open(own_settings).current()
    try:
        await stream.install()
        consumer = DurableConsumer(stream, "audit-check")
        await consumer.next_batch()
        await arrest(own_settings, PERSON)
        [event] = [e for e in await consumer.next_batch() if e.row.agency == "police"]
        om = Subscriber("om-001", "user", "probation", ("probation-practitioner",), "daily-intel", None,
                        policy.version, policy.plan(("probation-practitioner",), "daily-intel"),
                        CallerConditions(hub.index, hub.agencies, "probation", "om-001"),
                        Operation(None, "subscription"), "c1")
        with pytest.raises(AuditUnavailable):
            await deliver(event, om, Loads(hub.agencies, hub.index), FailingAudit())
    finally:
        await hub.close()


def _arrest(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    found: dict[str, Any] = message["payload"]["data"]["arrests"]
    return found


def test_overnight_arrests_are_replayed_since_then_delivered_live(own_settings: Settings) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    asyncio.run(arrest(own_settings, PERSON))  # overnight, before anyone subscribed
    with serving(own_settings) as client:
        morning = subscriber(client, own_settings, "probation-practitioner", ARRESTS,
                             variables={"since": before.isoformat()})
        replayed = _arrest(morning.receive_json())
        assert replayed["personId"] == PERSON and replayed["outcome"] == "BAILED"
        assert replayed["offenceGroup"] == "THEFT"
        live = subscriber(client, own_settings, "probation-practitioner", ARRESTS)
        asyncio.run(arrest(own_settings, PERSON))
        second = _arrest(morning.receive_json())
        assert _arrest(live.receive_json())["eventId"] == second["eventId"] != replayed["eventId"]
        # opaque: an id names the event, never the police outbox's position (tests/events/test_api_feed.py)
        assert "police" not in second["eventId"] and not second["eventId"].isdigit()


async def test_subscribers_starting_together_share_one_reader(own_settings: Settings) -> None:
    hub = Hub.open(own_settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    try:
        await asyncio.gather(*(stream.start() for _ in range(5)))
        async with stream.listen() as queue:
            await arrest(own_settings, PERSON)
            first = await asyncio.wait_for(queue.get(), 2)
            await asyncio.sleep(0.3)
            assert first.kind.name == "Arrested" and queue.empty()  # once, not once per start
    finally:
        await stream.stop()
        await hub.close()


async def test_concurrent_deliveries_of_one_event_read_the_agencies_once(own_settings: Settings) -> None:
    """An event reaches every subscriber's queue at once: their deliveries share one read of the person and of
    each record or list, rather than each missing the other's and asking again."""
    hub = Hub.open(own_settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    try:
        await stream.install()
        consumer = DurableConsumer(stream, "shared-reads")
        await consumer.next_batch()
        await release(own_settings, PERSON, date.today() + timedelta(days=20), early=True)
        [event] = [e for e in await consumer.next_batch() if e.row.agency == "probation"]
        loaded = [f for f in event.kind.fields if f.load is not None]
        assert {f.load.agency for f in loaded if f.load} == {"probation", "housing"}
        loads = Loads(hub.agencies, hub.index)
        with count_statements(hub.sql_engines()) as counted:
            await asyncio.gather(*(loads.value(event, f) for _ in range(5) for f in loaded))
        # the person once, probation's licence conditions once, housing's record once
        assert {k: v for k, v in counted.items() if v} == {"index": 1, "probation": 1, "housing": 1}, counted
    finally:
        await hub.close()


class Recorded:
    async def append(self, event: AuditEvent) -> int:
        return 1

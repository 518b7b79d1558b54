"""Replicas sharing one event stream on the real NATS JetStream server (127.0.0.1:4222; CI runs it): an event
captured by one replica reaches a subscriber on another once, a replica killed with SIGKILL loses nothing, and
the work is shared out among the replicas."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator

import nats
import pytest

from hub.cli.simulate import arrest
from hub.core.settings import Settings
from hub.events.broker import JetStreamBus, msg_id
from hub.events.ids import load_event_ids
from hub.events.outbox import OutboxRow
from hub.events.stream import EventStream, event_stream
from hub.web.runtime import Hub
from tests.production.test_replicas import ROOT

NATS_URL = os.environ.get("HUB_TEST_NATS_URL", "nats://127.0.0.1:4222")
PERSON = "H00000001"


async def _reachable() -> bool:
    try:
        nc = await nats.connect(NATS_URL, connect_timeout=1, max_reconnect_attempts=0)
    except Exception:
        return False
    await nc.close()
    return True


@pytest.fixture
async def stream_name() -> AsyncIterator[str]:
    if not await _reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the broker tests: no NATS server at {NATS_URL}")
        pytest.skip(f"no NATS server at {NATS_URL}")
    name = f"HUBTEST_{uuid.uuid4().hex[:10].upper()}"
    yield name
    nc = await nats.connect(NATS_URL)
    with contextlib.suppress(Exception):
        await nc.jetstream().delete_stream(name)
    await nc.close()


@contextlib.asynccontextmanager
async def replica(settings: Settings, stream_name: str, *, relays: bool) -> AsyncIterator[EventStream]:
    hub = Hub.open(settings)
    stream = event_stream(settings, hub.agencies, hub.index, bus=JetStreamBus(NATS_URL, stream=stream_name),
                          relays=relays)
    await stream.start()
    try:
        yield stream
    finally:
        await stream.stop()
        await hub.close()


async def test_an_event_captured_by_one_replica_reaches_a_subscriber_on_another(own_settings: Settings,
                                                                               stream_name: str) -> None:
    async with replica(own_settings, stream_name, relays=True) as a, \
            replica(own_settings, stream_name, relays=False) as b, \
            replica(own_settings, stream_name, relays=True) as c:
        async with b.listen() as on_b:
            await arrest(own_settings, PERSON)
            event = await asyncio.wait_for(on_b.get(), 2)  # relayed by a or c, never by b
            assert event.kind.name == "Arrested" and event.person_id == PERSON
            await arrest(own_settings, PERSON)
            second = await asyncio.wait_for(on_b.get(), 2)
            assert second.row.position > event.row.position  # in the police system's order
            # whichever replica relayed them, every replica names them alike, by the deployment's key
            ids = load_event_ids(own_settings)
            assert [event.event_id, second.event_id] == [ids("police", event.row.position),
                                                         ids("police", second.row.position)]
            await asyncio.sleep(0.5)
            assert on_b.empty()  # two replicas relayed; JetStream kept one copy of each
        assert a.bus is not None and c.bus is not None


KILLED = """
import asyncio, sys
from hub.events.broker import JetStreamBus, msg_id
async def main():
    queue = await JetStreamBus(sys.argv[1], stream=sys.argv[2]).work_queue(sys.argv[3], ack_wait=1.0)
    taken = await queue.take(wait=10)
    print(msg_id(taken[0]) if taken else "none", flush=True)
    await asyncio.sleep(3600)  # killed before it acknowledges
asyncio.run(main())
"""


async def test_a_replica_killed_before_it_acknowledges_loses_nothing(own_settings: Settings,
                                                                     stream_name: str) -> None:
    bus = JetStreamBus(NATS_URL, stream=stream_name)
    rows = [OutboxRow("police", n, "Arrested", "2001/0123456A", "2026-12-02T06:00:00Z", {"outcome": "bailed"})
            for n in (1, 2, 3, 4)]
    await bus.connect()
    for row in rows:
        await bus.publish(row)
    await bus.publish(rows[0])  # a second replica relaying the same event: dropped by its id
    work = f"work_{uuid.uuid4().hex[:8]}"
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", KILLED, NATS_URL, stream_name, work, cwd=ROOT,
                                                 stdout=asyncio.subprocess.PIPE,
                                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        took = await asyncio.wait_for(child.stdout.readline(), 30)
        assert took.decode().strip() == "police-1"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    first, second = await bus.work_queue(work, ack_wait=1.0), await JetStreamBus(
        NATS_URL, stream=stream_name).work_queue(work, ack_wait=1.0)
    handled: list[tuple[str, str]] = []
    for queue, name in ((first, "a"), (second, "b"), (first, "a"), (second, "b")):
        taken = await queue.take(wait=5)  # the killed replica's event comes back after ack_wait
        assert taken is not None
        handled.append((name, msg_id(taken[0])))
        await queue.done(taken[1])
    assert [event for _, event in handled] == ["police-1", "police-2", "police-3", "police-4"]  # each once, in order
    assert {name for name, _ in handled} == {"a", "b"}  # shared out between the replicas
    assert await first.take(wait=0.5) is None
    await bus.close()


async def test_webhook_deliveries_are_shared_out_and_sent_once(own_settings: Settings, stream_name: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.store import AuditStore
    from hub.events.delivery import Loads
    from hub.events.webhooks import Endpoint, WebhookSender
    from hub.services.caseload import CallerConditions
    from policies.store import PolicyStore
    from tests.events.test_webhooks import SECRET, Receiver, receiving

    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    policy = PolicyStore.open(own_settings).current()
    audit = await AuditStore.open(own_settings)
    async with receiving(Receiver(failures=0)) as receiver, \
            replica(own_settings, stream_name, relays=True) as a, replica(own_settings, stream_name, relays=True) as b:
        endpoint = Endpoint("iom-system", "police-iom-system", "police", "police-iom-officer", "iom",
                            frozenset({"Arrested"}), receiver.url, "env:HUB_TEST_WEBHOOK_SECRET")
        tasks, hubs = [], []
        for stream in (a, b):
            hub = Hub.open(own_settings)
            hubs.append(hub)
            sender = WebhookSender(endpoint, stream, policy.plan((endpoint.role,), endpoint.purpose),
                                   CallerConditions(hub.index, hub.agencies, "police", endpoint.client),
                                   policy.version, Loads(hub.agencies, hub.index), audit, poll_seconds=0.05)
            tasks.append(asyncio.create_task(sender.run()))
        await asyncio.sleep(1)  # the shared consumer exists before the events
        for _ in range(3):
            await arrest(own_settings, PERSON)
        for _ in range(100):
            if len(receiver.accepted) == 3:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for hub in hubs:
            await hub.close()
    await audit.close()
    assert len(receiver.accepted) == 3 and len(receiver.attempts) == 3  # each sent by one replica, once


async def test_events_captured_while_no_replica_runs_are_relayed_on_restart(own_settings: Settings,
                                                                           stream_name: str) -> None:
    async with replica(own_settings, stream_name, relays=True):
        await asyncio.sleep(0.3)  # its relay cursor is placed at each outbox's head
    await arrest(own_settings, PERSON)  # every replica down: the outbox keeps them
    await arrest(own_settings, PERSON)
    async with replica(own_settings, stream_name, relays=True):
        bus = JetStreamBus(NATS_URL, stream=stream_name)
        queue = await bus.work_queue(f"restart_{uuid.uuid4().hex[:8]}")
        got = []
        for _ in range(2):
            taken = await queue.take(wait=5)
            assert taken is not None
            got.append(taken[0])
            await queue.done(taken[1])
        await bus.close()
    assert [row.event_type for row in got] == ["Arrested", "Arrested"] and got[0].position < got[1].position

"""Replicas sharing one event stream on NATS JetStream.

Without a broker each hub process reads the agencies' outboxes itself (the embedded default). With
``HUB_EVENTS_BROKER=nats://...``: every replica relays the outboxes into one JetStream stream (the relay's
cursor is shared, kept with each source's consumer state, and each message carries its agency and outbox
position as ``Nats-Msg-Id`` so JetStream drops the copy a second replica relays at the same time: the broker is
the hub's own infrastructure, so it keeps positions as cursors do, and the public, opaque id is given as each
replica resolves the row); each replica then fans out, to its
own subscribers, every event of the stream whoever relayed it, and work that must be done once (a webhook
endpoint's deliveries) is a durable pull consumer shared by the replicas: each message goes to one of them,
and a message one took but never acknowledged (killed by SIGKILL) is delivered to another after ``ack_wait``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError

from hub.events.outbox import OutboxRow

log = logging.getLogger("hub.events.broker")

STREAM = "HUB_EVENTS"
SUBJECTS = "hub.events.>"
#: JetStream drops a message whose id it has seen within this many seconds (two relays of one event)
DUPLICATE_WINDOW = 3600.0


def encode_row(row: OutboxRow) -> bytes:
    return json.dumps({"agency": row.agency, "position": row.position, "event_type": row.event_type,
                       "agency_key": row.agency_key, "occurred_at": row.occurred_at, "data": row.data}).encode()


def msg_id(row: OutboxRow) -> str:
    """JetStream's de-duplication key: internal, like a cursor (never shown to a subscriber)."""
    return f"{row.agency}-{row.position}"


def decode_row(body: bytes) -> OutboxRow:
    d = json.loads(body)
    return OutboxRow(d["agency"], int(d["position"]), d["event_type"], d["agency_key"], d["occurred_at"], d["data"])


class JetStreamBus:
    def __init__(self, url: str, *, stream: str = STREAM) -> None:
        self.url = url
        self.stream = stream
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._fanout: Any = None

    async def connect(self) -> JetStreamContext:
        if self._js is None:
            self._nc = await nats.connect(self.url, name="partnership-hub", max_reconnect_attempts=-1)
            self._js = self._nc.jetstream()
            config = api.StreamConfig(name=self.stream, subjects=[SUBJECTS.replace("hub.events", self.subject_root)],
                                      storage=api.StorageType.FILE, duplicate_window=DUPLICATE_WINDOW)
            try:
                await self._js.add_stream(config)
            except BadRequestError:  # it exists with other settings: take ours
                await self._js.update_stream(config)
        return self._js

    @property
    def subject_root(self) -> str:
        """Subjects are ``hub.events.<agency>.<kind>``; a stream other than the default gets its own root
        (tests, two partnerships on one server)."""
        return "hub.events" if self.stream == STREAM else f"hub.{self.stream.lower()}"

    def subject(self, row: OutboxRow) -> str:
        return f"{self.subject_root}.{row.agency}.{row.event_type}"

    async def publish(self, row: OutboxRow) -> None:
        js = await self.connect()
        await js.publish(self.subject(row), encode_row(row), headers={"Nats-Msg-Id": msg_id(row)})

    async def fan_out(self, deliver: Callable[[OutboxRow], Awaitable[None]]) -> None:
        """Call ``deliver`` with every event published from now on, in stream order (this replica's copy)."""
        js = await self.connect()

        async def on_message(msg: Msg) -> None:
            await deliver(decode_row(msg.data))

        self._fanout = await js.subscribe(f"{self.subject_root}.>", cb=on_message, ordered_consumer=True,
                                          deliver_policy=api.DeliverPolicy.NEW)

    async def work_queue(self, name: str, *, ack_wait: float = 30.0) -> WorkQueue:
        js = await self.connect()
        config = api.ConsumerConfig(ack_wait=ack_wait, ack_policy=api.AckPolicy.EXPLICIT,
                                    deliver_policy=api.DeliverPolicy.ALL, max_ack_pending=1)
        return WorkQueue(await js.pull_subscribe(f"{self.subject_root}.>", durable=name, stream=self.stream,
                                                 config=config))

    async def close(self) -> None:
        if self._fanout is not None:
            with contextlib.suppress(Exception):
                await self._fanout.unsubscribe()
        if self._nc is not None:
            with contextlib.suppress(Exception):
                # close, not drain: a pull still waiting would hold a drain for its whole timeout, and whatever
                # this replica took but did not acknowledge goes to another one anyway
                await self._nc.close()
        self._nc, self._js, self._fanout = None, None, None


class WorkQueue:
    """Events shared out among the replicas: each taken by one, acknowledged once handled. ``max_ack_pending``
    of one keeps them in order: the next is handed out only once the one before is acknowledged."""

    def __init__(self, subscription: JetStreamContext.PullSubscription) -> None:
        self.subscription = subscription

    async def take(self, wait: float = 1.0) -> tuple[OutboxRow, Msg] | None:
        """The next event for this replica, or None after ``wait`` seconds without one."""
        try:
            [msg] = await self.subscription.fetch(1, timeout=wait)
        except (TimeoutError, nats.errors.TimeoutError):
            return None
        return decode_row(msg.data), msg

    @staticmethod
    async def done(msg: Msg) -> None:
        await msg.ack()


async def relay(bus: JetStreamBus, read: Callable[[], Awaitable[list[OutboxRow]]],
                ack: Callable[[OutboxRow], Awaitable[None]], stop: asyncio.Event, poll_seconds: float) -> None:
    """Publish what the outboxes hold past the shared relay cursor, then move it: at least once, and JetStream
    drops what another replica relayed already."""
    while not stop.is_set():
        try:
            rows = await read()
            for row in rows:
                await bus.publish(row)
                await ack(row)
        except Exception as exc:  # the broker or an agency away: try again next turn
            log.warning("relaying events failed", extra={"error_type": type(exc).__name__})
            rows = []
        if not rows:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)

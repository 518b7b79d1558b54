"""The hub's event stream: each agency's outbox read as it grows, resolved to people, fanned out in process.

The embedded default needs nothing started: one task reads every SQLite outbox every ``poll_seconds``.
A PostgreSQL agency's triggers ``pg_notify`` as they commit, so its outbox is read as soon as a change
commits (polling stays as the backstop for a lost notification). Events go to every listener's queue in
outbox order, so each person's events arrive in the order they happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.capture import Capture, EventKind
from hub.events import outbox
from hub.events.broker import JetStreamBus, relay
from hub.events.outbox import OutboxRow
from hub.events.triggers import CHANNEL, install
from hub.services.agencies import Agencies
from hub.services.index.store import PersonIndex

log = logging.getLogger("hub.events")
#: the replicas' shared cursor relaying each outbox into the broker
RELAY = "broker-relay"


def trace_id_of(event_id: str) -> str:
    """The trace an event's capture and every delivery of it share: derived from its id, so every replica and
    every restart names the same trace."""
    return hashlib.sha256(f"hub-event:{event_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    row: OutboxRow
    kind: EventKind
    #: the hub person the agency's key belongs to; None when the person index holds no link for it
    person_id: str | None
    data: Mapping[str, Any]
    #: when the hub read it from the outbox (monotonic clock), for latency
    read_at: float = field(default_factory=time.monotonic)

    @property
    def event_id(self) -> str:
        return self.row.event_id

    @property
    def trace_id(self) -> str:
        return trace_id_of(self.row.event_id)

    def span_context(self) -> Context:
        """A context whose trace is this event's, to start its capture and delivery spans in."""
        parent = SpanContext(int(self.trace_id, 16), int(self.trace_id[:16], 16), is_remote=True,
                             trace_flags=TraceFlags(TraceFlags.SAMPLED))
        return trace.set_span_in_context(NonRecordingSpan(parent))


@dataclass(frozen=True)
class Source:
    """One agency's outbox: its database, capture declarations and key scheme."""

    agency: str
    engine: AsyncEngine
    capture: Capture
    key_scheme: str


class EventStream:
    def __init__(self, sources: Iterable[Source], index: PersonIndex, *, poll_seconds: float = 0.05,
                 bus: JetStreamBus | None = None, relays: bool = True) -> None:
        self.sources = {s.agency: s for s in sources}
        #: replicas sharing one stream (hub/events/broker.py); None: this process reads the outboxes itself
        self.bus = bus
        #: with a broker, whether this replica relays the outboxes into it too (each may: JetStream drops copies)
        self.relays = relays
        self._stop = asyncio.Event()
        self._starting = asyncio.Lock()
        self._started = False
        self.index = index
        self.poll_seconds = poll_seconds
        self.positions: dict[str, int] = {}
        self._listeners: set[asyncio.Queue[ChangeEvent]] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def install(self) -> None:
        """The outboxes and triggers (idempotent)."""
        for s in self.sources.values():
            await install(s.engine, s.agency, s.capture)

    async def install_quietly(self) -> None:
        """``install``, logging rather than raising: an agency down at start-up must not stop the hub (the
        first subscriber installs again)."""
        try:
            await self.install()
        except Exception as exc:
            log.warning("installing change capture failed", extra={"error_type": type(exc).__name__})

    async def start(self) -> None:
        """Install the capture, begin at each outbox's head (a replay asks for more), read as it grows.
        Once: subscribers connecting together start one reader between them."""
        async with self._starting:
            if not self._started:
                await self._start()
                self._started = True

    async def _start(self) -> None:
        await self.install()
        for s in self.sources.values():
            self.positions[s.agency] = await outbox.head(s.engine, s.agency)
        if self.bus is not None:
            await self._start_shared(self.bus)
            return
        self._tasks.append(asyncio.create_task(self._run(), name="hub-events"))
        for s in self.sources.values():
            if s.engine.dialect.name == "postgresql":
                self._tasks.append(asyncio.create_task(self._listen(s), name=f"hub-events-listen-{s.agency}"))

    async def _start_shared(self, bus: JetStreamBus) -> None:
        """Relay the outboxes into the broker (with the other replicas) and fan out what it holds."""
        relayer = DurableConsumer(self, RELAY)
        self._stop.clear()

        async def read() -> list[OutboxRow]:
            return [e.row for e in await relayer.next_batch()]

        async def fan_out(row: OutboxRow) -> None:
            if row.agency in self.sources:
                self._fan_out(await self.resolve([row]))
                self.positions[row.agency] = max(row.position, self.positions.get(row.agency, 0))

        await bus.fan_out(fan_out)
        if self.relays:
            self._tasks.append(asyncio.create_task(
                relay(bus, read, relayer.ack_row, self._stop, self.poll_seconds), name="hub-events-relay"))

    def _fan_out(self, events: list[ChangeEvent]) -> None:
        for event in events:
            for queue in list(self._listeners):
                queue.put_nowait(event)

    async def stop(self) -> None:
        self._started = False
        self._stop.set()
        if self.bus is not None:
            await self.bus.close()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[ChangeEvent]]:
        """A queue receiving every event read from now on, until the block ends."""
        queue: asyncio.Queue[ChangeEvent] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll()
            except Exception as exc:  # an agency down: keep serving the others, try again next turn
                log.warning("reading an outbox failed", extra={"error_type": type(exc).__name__})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def poll(self) -> int:
        """Read every outbox once past its position and fan out what was read; how many events."""
        total = 0
        for s in self.sources.values():
            while True:
                rows = await outbox.read_after(s.engine, s.agency, self.positions.get(s.agency, 0))
                if not rows:
                    break
                events = await self.resolve(rows)
                self._fan_out(events)
                self.positions[s.agency] = rows[-1].position
                total += len(events)
        return total

    async def resolve(self, rows: list[OutboxRow]) -> list[ChangeEvent]:
        """Outbox rows as events about hub people (the agency's key looked up in the person index)."""
        if not rows:
            return []
        source = self.sources[rows[0].agency]
        people = await self.index.find_many(source.key_scheme, {r.agency_key for r in rows})
        tracer = trace.get_tracer("hub.events")
        events = []
        kinds = {k.name: k for k in source.capture.kinds}
        for row in rows:
            kind = kinds.get(row.event_type)
            if kind is None:  # written by a trigger this version no longer declares: nothing to judge it by
                log.warning("outbox event of an undeclared kind skipped", extra={"event_type": row.event_type})
                continue
            data = dict(row.data)
            if kind.derive is not None:
                data = kind.derive(data)
            event = ChangeEvent(row, kind, people.get(row.agency_key), data)
            with tracer.start_as_current_span("events.capture", context=event.span_context(), attributes={
                    "hub.event.id": row.event_id, "hub.event.type": row.event_type, "hub.agency": row.agency}):
                events.append(event)
        return events

    async def replay(self, since: str, until: Mapping[str, int]) -> list[ChangeEvent]:
        """Events that occurred at or after ``since`` (ISO 8601 UTC) up to each agency's position in ``until``."""
        out: list[ChangeEvent] = []
        for s in self.sources.values():
            position = await outbox.position_at(s.engine, s.agency, since)
            end = until.get(s.agency, 0)
            while position < end:
                rows = [r for r in await outbox.read_after(s.engine, s.agency, position) if r.position <= end]
                if not rows:
                    break
                out.extend(await self.resolve(rows))
                position = rows[-1].position
        return out

    async def _listen(self, source: Source) -> None:
        """Wake the reader whenever a PostgreSQL agency's trigger notifies."""
        while True:
            try:
                async with source.engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    driver: Any = raw.driver_connection

                    def notified(*_args: Any) -> None:
                        self._wake.set()

                    await driver.add_listener(CHANNEL, notified)
                    try:
                        await asyncio.Event().wait()  # until cancelled; the driver calls back meanwhile
                    finally:
                        await driver.remove_listener(CHANNEL, notified)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("listening for outbox notifications failed", extra={"error_type": type(exc).__name__})
                await asyncio.sleep(1)


class DurableConsumer:
    """A named consumer with a durable cursor per agency: at least once across restarts."""

    def __init__(self, stream: EventStream, name: str) -> None:
        self.stream = stream
        self.name = name

    async def next_batch(self, limit: int = 500) -> list[ChangeEvent]:
        """The events after this consumer's cursors (a new consumer starts at each outbox's head)."""
        out: list[ChangeEvent] = []
        for s in self.stream.sources.values():
            position = await outbox.cursor(s.engine, s.agency, self.name)
            if position is None:
                position = await outbox.head(s.engine, s.agency)
                await outbox.move_cursor(s.engine, s.agency, self.name, position)
            out.extend(await self.stream.resolve(await outbox.read_after(s.engine, s.agency, position, limit)))
        return out

    async def ack(self, event: ChangeEvent) -> None:
        """Everything of the event's agency up to it is handled."""
        await self.ack_row(event.row)

    async def ack_row(self, row: OutboxRow) -> None:
        await outbox.move_cursor(self.stream.sources[row.agency].engine, row.agency, self.name, row.position)


def sources_of(agencies: Agencies) -> list[Source]:
    """An outbox for each agency that declares change capture and is reached through its database (an
    agency reached over its API would bring its own change feed)."""
    out = []
    for name, descriptor in agencies.descriptors.items():
        db = getattr(agencies[name], "db", None)
        if descriptor.capture is not None and db is not None:
            out.append(Source(name, db.engine, descriptor.capture, descriptor.key_scheme))
    return out

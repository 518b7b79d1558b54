"""The hub's event stream: each agency's outbox read as it grows, resolved to people, fanned out in process.

The embedded default needs nothing started: a task per agency reads its SQLite outbox every ``poll_seconds``.
A PostgreSQL agency's triggers ``pg_notify`` as they commit, so its outbox is read as soon as a change
commits (polling stays as the backstop for a lost notification). An agency reached over its API publishes
its outbox as a change feed (``hub agency serve``), which the hub polls every ``api_poll_seconds`` through
the agency's HTTP connector: it cannot listen to a database it does not open. Events go to every listener's
queue in outbox order, so each person's events arrive in the order they happened. An agency that cannot be
read is retried (with backoff) without holding up the others, and nothing is lost meanwhile: a position
moves only past rows fanned out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.agency import SourceUnavailable
from hub.core.capture import Capture, EventKind
from hub.core.settings import Settings
from hub.events import outbox
from hub.events.broker import JetStreamBus, relay
from hub.events.ids import EventIds, load_event_ids
from hub.events.outbox import ChangeFeed, OutboxRow, SqlFeed
from hub.events.triggers import CHANNEL, OUTBOX_LOCK, install
from hub.services.agencies import Agencies
from hub.services.index.store import PersonIndex

log = logging.getLogger("hub.events")
#: the replicas' shared cursor relaying each outbox into the broker
RELAY = "broker-relay"
#: how often an agency's change feed is asked for more (each ask is an HTTP request to the agency)
API_POLL_SECONDS = 0.1
#: the longest wait before trying an agency that failed again
MAX_BACKOFF_SECONDS = 2.0


def trace_id_of(event_id: str) -> str:
    """The trace an event's capture and every delivery of it share: derived from its public (opaque) id, so
    every replica and every restart names the same trace, and trace backends learn no outbox position."""
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
    """One agency's outbox: where its rows are read, where its consumers' state is kept, its capture
    declarations and key scheme."""

    agency: str
    #: where the hub keeps this source's consumer state (cursors, dead letters): the agency's database for
    #: an outbox the hub reads there, the hub's own index database for an agency reached over its API
    engine: AsyncEngine
    capture: Capture
    key_scheme: str
    #: where its rows are read: the outbox in the agency's database, or its API's change feed
    feed: ChangeFeed

    @classmethod
    def database(cls, agency: str, engine: AsyncEngine, capture: Capture, key_scheme: str) -> Source:
        """An outbox in the agency's database, its cursors beside it."""
        return cls(agency, engine, capture, key_scheme, SqlFeed(engine, agency))

    @property
    def local(self) -> SqlFeed | None:
        """The agency's database, when the hub reads its outbox there (and so installs its capture)."""
        return self.feed if isinstance(self.feed, SqlFeed) else None


async def prepare_state(source: Source) -> None:
    """Capture installed where the hub owns it (a database it opens), and the cursor table where the source's
    consumer state is kept. An agency reached over its API installs its own capture (``hub agency serve``)."""
    local = source.local
    if local is not None:
        await install(local.engine, source.agency, source.capture)
        if local.engine is source.engine:
            return
    async with source.engine.begin() as conn:
        if source.engine.dialect.name == "postgresql":  # replicas starting together create it once
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({OUTBOX_LOCK})"))
        await conn.run_sync(outbox.create_cursor_table, source.agency)


def _failure(exc: BaseException) -> dict[str, str]:
    """What a log line may say of a failure: its type, and an unavailable agency's one-word kind; no values."""
    found = {"error_type": type(exc).__name__}
    if isinstance(exc, SourceUnavailable):
        found["failure"] = exc.failure
    return found


async def cancelled(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel the tasks and wait for each to finish (whatever it raised on the way out)."""
    tasks = list(tasks)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


class EventStream:
    def __init__(self, sources: Iterable[Source], index: PersonIndex, *, poll_seconds: float = 0.05,
                 bus: JetStreamBus | None = None, relays: bool = True, ids: EventIds | None = None,
                 api_poll_seconds: float = API_POLL_SECONDS) -> None:
        self.sources = {s.agency: s for s in sources}
        #: replicas sharing one stream (hub/events/broker.py); None: this process reads the outboxes itself
        self.bus = bus
        #: with a broker, whether this replica relays the outboxes into it too (each may: JetStream drops copies)
        self.relays = relays
        #: public event ids; a serving hub passes the deployment's (``event_stream``), so replicas agree
        self.ids = ids or EventIds.ephemeral()
        self._stop = asyncio.Event()
        self._starting = asyncio.Lock()
        self._started = False
        self.index = index
        self.poll_seconds = poll_seconds
        self.api_poll_seconds = api_poll_seconds
        self.positions: dict[str, int] = {}
        self._listeners: set[asyncio.Queue[ChangeEvent]] = set()
        self._wakes = {agency: asyncio.Event() for agency in self.sources}
        self._tasks: list[asyncio.Task[None]] = []
        #: when this stream started (ISO 8601 UTC): where an agency unreadable then is read from once it answers
        self._started_at = ""
        #: per agency, the kind of its last failure (logged once, not once a turn)
        self._failing: dict[str, str] = {}
        self._prepared: set[str] = set()

    async def install(self) -> None:
        """The capture and cursor tables (idempotent)."""
        for s in self.sources.values():
            await prepare_state(s)

    async def install_quietly(self) -> None:
        """``install``, logging rather than raising: an agency down at start-up must not stop the hub (each
        source's reader installs again until it succeeds)."""
        for s in self.sources.values():
            try:
                await prepare_state(s)
            except Exception as exc:
                log.warning("installing change capture failed", extra={"agency": s.agency, **_failure(exc)})

    async def start(self) -> None:
        """Install the capture, begin at each outbox's head (a replay asks for more), read as it grows.
        Once: subscribers connecting together start one reader between them."""
        async with self._starting:
            if not self._started:
                await self._start()
                self._started = True

    async def _start(self) -> None:
        self._stop.clear()
        self._started_at = _now()
        self._prepared.clear()
        ready = await asyncio.gather(*(self._prepare(s, at_start=True) for s in self.sources.values()),
                                     return_exceptions=True)
        for s, outcome in zip(self.sources.values(), ready, strict=True):
            if isinstance(outcome, BaseException):
                self.positions.pop(s.agency, None)
                self._failed(s, outcome)
        if self.bus is not None:
            await self._start_shared(self.bus)
            return
        for s in self.sources.values():
            self._tasks.append(asyncio.create_task(self._follow(s), name=f"hub-events-{s.agency}"))
            local = s.local
            if local is not None and local.engine.dialect.name == "postgresql":
                self._tasks.append(asyncio.create_task(self._listen(s, local.engine),
                                                       name=f"hub-events-listen-{s.agency}"))

    async def _prepare(self, s: Source, *, at_start: bool = False) -> None:
        """The source's capture installed and its starting position known: the head at start, or (for an
        agency that could not be read at start) the position it had then, so nothing since is missed."""
        await prepare_state(s)
        self.positions[s.agency] = await (s.feed.head() if at_start else s.feed.position_at(self._started_at))
        self._prepared.add(s.agency)

    def _failed(self, s: Source, exc: BaseException) -> None:
        found = _failure(exc)
        kind = found.get("failure", found["error_type"])
        if self._failing.get(s.agency) != kind:
            self._failing[s.agency] = kind
            log.warning("reading an agency's change capture failed", extra={"agency": s.agency, **found})

    def _recovered(self, s: Source) -> None:
        if self._failing.pop(s.agency, None) is not None:
            log.info("reading an agency's change capture again", extra={"agency": s.agency})

    async def _start_shared(self, bus: JetStreamBus) -> None:
        """Relay the outboxes into the broker (with the other replicas) and fan out what it holds."""
        relayer = DurableConsumer(self, RELAY)

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
        await cancelled(tasks)

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[ChangeEvent]]:
        """A queue receiving every event read from now on, until the block ends."""
        queue: asyncio.Queue[ChangeEvent] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    def wake(self, agency: str | None = None) -> None:
        """Read ``agency`` (default: every agency) now rather than at its next turn."""
        for name, event in self._wakes.items():
            if agency is None or name == agency:
                event.set()

    async def _follow(self, s: Source) -> None:
        """Read one agency as it grows, whatever the others do."""
        interval = self.poll_seconds if s.local is not None else max(self.poll_seconds, self.api_poll_seconds)
        failures = 0
        wake = self._wakes[s.agency]
        while True:
            try:
                if s.agency not in self._prepared:
                    await self._prepare(s)
                await self._read(s)
            except Exception as exc:  # down, slow, or refusing: try again later, keep serving the others
                failures += 1
                self._failed(s, exc)
            else:
                failures = 0
                self._recovered(s)
            wait = interval if failures == 0 else min(interval * 2 ** failures, MAX_BACKOFF_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
            wake.clear()

    async def poll(self) -> int:
        """Read every outbox once past its position and fan out what was read; how many events. An agency
        that fails is logged and left for the next turn."""
        total = 0
        for s in self.sources.values():
            try:
                if s.agency not in self._prepared:
                    await self._prepare(s)
                total += await self._read(s)
            except Exception as exc:
                self._failed(s, exc)
        return total

    async def _read(self, s: Source) -> int:
        total = 0
        while True:
            rows = await s.feed.read_after(self.positions.get(s.agency, 0))
            if not rows:
                return total
            events = await self.resolve(rows)
            self._fan_out(events)
            self.positions[s.agency] = rows[-1].position
            total += len(events)

    async def resolve(self, rows: list[OutboxRow]) -> list[ChangeEvent]:
        """Outbox rows as events about hub people (the agency's key looked up in the person index), each named
        by its public id."""
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
            named = row.named(self.ids)
            event = ChangeEvent(named, kind, people.get(row.agency_key), data)
            with tracer.start_as_current_span("events.capture", context=event.span_context(), attributes={
                    "hub.event.id": named.event_id, "hub.event.type": row.event_type, "hub.agency": row.agency}):
                events.append(event)
        return events

    async def replay(self, since: str, until: Mapping[str, int]) -> list[ChangeEvent]:
        """Events that occurred at or after ``since`` (ISO 8601 UTC) up to each agency's position in ``until``."""
        out: list[ChangeEvent] = []
        for s in self.sources.values():
            end = until.get(s.agency, 0)
            if end <= 0:  # nothing read from it yet (or it could not be read at start): nothing to replay
                continue
            position = await s.feed.position_at(since)
            while position < end:
                rows = [r for r in await s.feed.read_after(position) if r.position <= end]
                if not rows:
                    break
                out.extend(await self.resolve(rows))
                position = rows[-1].position
        return out

    async def _listen(self, source: Source, engine: AsyncEngine) -> None:
        """Wake the reader whenever a PostgreSQL agency's trigger notifies."""
        while True:
            try:
                async with engine.connect() as conn:
                    raw = await conn.get_raw_connection()
                    driver: Any = raw.driver_connection

                    def notified(*_args: Any) -> None:
                        self.wake(source.agency)

                    await driver.add_listener(CHANNEL, notified)
                    try:
                        await asyncio.Event().wait()  # until cancelled; the driver calls back meanwhile
                    finally:
                        await driver.remove_listener(CHANNEL, notified)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("listening for outbox notifications failed", extra=_failure(exc))
                await asyncio.sleep(1)


class DurableConsumer:
    """A named consumer with a durable cursor per agency (kept in ``Source.engine``): at least once across
    restarts."""

    def __init__(self, stream: EventStream, name: str) -> None:
        self.stream = stream
        self.name = name

    async def next_batch(self, limit: int = 500) -> list[ChangeEvent]:
        """The events after this consumer's cursors (a new consumer starts at each outbox's head). An agency
        that cannot be read is skipped this turn (its cursor stays, so it is read once it answers)."""
        out: list[ChangeEvent] = []
        for s in self.stream.sources.values():
            try:
                out.extend(await self._batch(s, limit))
            except Exception as exc:
                self.stream._failed(s, exc)
            else:
                self.stream._recovered(s)
        return out

    async def _batch(self, s: Source, limit: int) -> list[ChangeEvent]:
        position = await outbox.cursor(s.engine, s.agency, self.name)
        if position is None:
            position = await s.feed.head()
            await outbox.move_cursor(s.engine, s.agency, self.name, position)
        return await self.stream.resolve(await s.feed.read_after(position, limit))

    async def ack(self, event: ChangeEvent) -> None:
        """Everything of the event's agency up to it is handled."""
        await self.ack_row(event.row)

    async def ack_row(self, row: OutboxRow) -> None:
        await outbox.move_cursor(self.stream.sources[row.agency].engine, row.agency, self.name, row.position)


class FeedProvider(Protocol):
    """A connector that reaches its agency over an API offering a change feed (connectors/http)."""

    def change_feed(self) -> ChangeFeed: ...


def sources_of(agencies: Agencies, *, state: AsyncEngine | None = None) -> list[Source]:
    """A source for each agency that declares change capture: its outbox where the hub opens its database; its
    change feed where it is reached over its API, with consumer state kept in ``state`` (the hub's index
    database; None: such agencies are left out)."""
    out = []
    for name, descriptor in agencies.descriptors.items():
        if descriptor.capture is None:
            continue
        connector = agencies[name]
        db = getattr(connector, "db", None)
        if db is not None:
            out.append(Source.database(name, db.engine, descriptor.capture, descriptor.key_scheme))
        elif state is not None and callable(getattr(connector, "change_feed", None)):
            feed = cast(FeedProvider, connector).change_feed()
            out.append(Source(name, state, descriptor.capture, descriptor.key_scheme, feed))
    return out


def event_stream(settings: Settings, agencies: Agencies, index: PersonIndex, *,
                 bus: JetStreamBus | None = None, relays: bool = True) -> EventStream:
    """The hub's stream: every agency that captures changes, however it is reached, with the deployment's
    public event ids."""
    return EventStream(sources_of(agencies, state=index.engine), index, bus=bus, relays=relays,
                       ids=load_event_ids(settings))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")

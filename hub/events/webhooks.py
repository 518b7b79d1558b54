"""Webhooks for partner systems: endpoints configured beside the agreements, events signed per Standard Webhooks.

Each endpoint is a durable consumer (its cursor in each agency's outbox): events are judged and audited for
its client as they would be for a subscription, then POSTed with ``webhook-id`` (the event id: the same on
every retry, so a receiver drops a repeat), ``webhook-timestamp`` and ``webhook-signature`` signed with the
``standardwebhooks`` library. A failed POST is retried with exponential backoff over about a day (the
schedule below), in order: the endpoint's later events wait, so each person's events still arrive in order.
After the last attempt the event goes to the dead-letter list (``hub_webhook_dead`` beside the outbox) that
information governance lists and replays (``hub events dead-letters``, ``hub events replay``), its delivery
record gets a follow-up saying the disclosure never reached the receiver, and the endpoint moves on. A
receiver that is down loses nothing: the cursor moves only past a delivered or dead-lettered event. The
retry series is kept beside the outbox too (hub/events/webhook_state.py), so a hub that stops mid-schedule
resumes it rather than starting again and recording the delivery twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from nats.aio.msg import Msg
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook

from audit.record import AuditEvent, Operation
from hub.core.errors import AuditUnavailable, ConfigurationError
from hub.core.settings import Settings
from hub.events import webhook_state as state
from hub.events.broker import JetStreamBus, WorkQueue
from hub.events.delivery import AuditSink, Delivery, Loads, Subscriber, deliver
from hub.events.outbox import OutboxRow
from hub.events.stream import ChangeEvent, DurableConsumer, EventStream
from hub.events.webhook_state import DEAD as DEAD
from hub.events.webhook_state import dead_letters as dead_letters
from hub.services.agencies import Agencies
from hub.services.caseload import CallerConditions
from policies.loader import policy_dir
from policies.policy_set import PolicySet
from schema.governance.gate import Plan

log = logging.getLogger("hub.events.webhooks")

#: Seconds before each retry: Standard Webhooks' suggested schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
#: 10 h, 10 h): about a day and a half in all, then the dead-letter list.
SCHEDULE: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
COLUMNS = ("name", "client", "agency", "role", "purpose", "events", "url", "secret")

@dataclass(frozen=True)
class Endpoint:
    name: str
    client: str
    agency: str
    role: str
    purpose: str
    events: frozenset[str]
    url: str
    secret: str  # a reference (env:NAME, file:PATH), resolved when sending

    def resolve_secret(self) -> str:
        kind, _, where = self.secret.partition(":")
        if kind == "env" and os.environ.get(where):
            return os.environ[where]
        if kind == "file" and Path(where).is_file():
            return Path(where).read_text().strip()
        raise ConfigurationError(f"webhook {self.name}: its secret {self.secret!r} cannot be read")


def load_endpoints(path: Path, known_events: frozenset[str], role_agencies: Callable[[str], frozenset[str]],
                   purpose_permitted: Callable[[str, str], bool], *, allow_http: bool = False) -> list[Endpoint]:
    """The endpoints of ``path``; ConfigurationError naming the line of the first problem."""
    if not path.exists():
        return []
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    if not lines:
        return []
    header = tuple(c.strip() for c in lines[0].split(","))
    if header != COLUMNS:
        raise ConfigurationError(f"{path.name}: the header must be {','.join(COLUMNS)}")
    out: list[Endpoint] = []
    for number, line in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(COLUMNS):
            raise ConfigurationError(f"{path.name} row {number}: {len(COLUMNS)} cells expected")
        row = dict(zip(COLUMNS, cells, strict=True))
        events = frozenset(row["events"].split())
        problem = (
            "a name is needed" if not row["name"] else
            f"role {row['role']} is not one agency {row['agency']} may hold"
            if row["agency"] not in role_agencies(row["role"]) else
            f"purpose {row['purpose']} is not permitted for role {row['role']}"
            if not purpose_permitted(row["role"], row["purpose"]) else
            f"unknown events {sorted(events - known_events)}" if not events or events - known_events else
            "the URL must be https" if not (row["url"].startswith("https://") or (
                allow_http and row["url"].startswith("http://"))) else
            "the secret must be a reference, env:NAME or file:PATH"
            if row["secret"].partition(":")[0] not in {"env", "file"} else
            "two endpoints share a name" if any(e.name == row["name"] for e in out) else None)
        if problem:
            raise ConfigurationError(f"{path.name} row {number}: {problem}")
        out.append(Endpoint(row["name"], row["client"], row["agency"], row["role"], row["purpose"], events,
                            row["url"], row["secret"]))
    return out


def configured_endpoints(settings: Settings, agencies: Agencies, policy: PolicySet) -> list[Endpoint]:
    """The endpoints of ``webhooks.csv`` in the policy folder, checked against the agreements in force."""
    known = frozenset(k.name for d in agencies.descriptors.values() if d.capture for k in d.capture.kinds)
    return load_endpoints(policy_dir(settings) / "webhooks.csv", known, policy.agreements.roles.agencies_of,
                          lambda role, purpose: policy.purpose_permitted((role,), purpose),
                          allow_http=settings.environment != "production")


def _json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _json(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def payload(d: Delivery) -> str:
    """The body: Standard Webhooks' ``type``, ``timestamp`` and ``data`` (the released fields only)."""
    e = d.event
    return json.dumps({"type": e.kind.name, "timestamp": e.row.occurred_at,
                       "data": {"eventId": e.event_id, "personId": e.person_id,
                                **{k: _json(v) for k, v in d.values.items()}}}, sort_keys=True)


def create_dead_table(conn: Connection) -> None:
    """The dead-letter list and the retry series (kept together: hub/events/webhook_state.py)."""
    state.create_tables(conn)


def shown_url(url: str) -> str:
    """``scheme://host[:port]/path``: the URL without userinfo, query or fragment, where secrets hide."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


class _Standing:
    """The sink a delivery is recorded through. Resuming a series whose record stands for the same disclosure, it
    records nothing again and answers that record's seq; if what is released now differs, ``retire`` first
    writes the old record's follow-up."""

    def __init__(self, audit: AuditSink, secret: str, standing: state.Series | None,
                 retire: Callable[[int], Awaitable[None]]) -> None:
        self.audit = audit
        self.secret = secret
        self.standing = standing
        self.retire = retire
        self.fingerprint = ""

    async def append(self, record: AuditEvent) -> int:
        self.fingerprint = state.fingerprint(record, self.secret)
        s = self.standing
        if s is not None and s.audit_seq is not None:
            if s.disclosure == self.fingerprint:
                return s.audit_seq
            await self.retire(s.audit_seq)
        return await self.audit.append(record)


class WebhookSender:
    """Delivers one endpoint's events, in order, until stopped."""

    #: seconds the broker waits for an acknowledgement before handing an event to another replica
    ACK_WAIT = 30.0
    #: seconds between tries at writing the follow-up records the audit trail could not take
    SETTLE_SECONDS = 30.0
    #: seconds before trying again when sending failed for want of the audit trail or an agency
    RETRY_SECONDS = 5.0

    def __init__(self, endpoint: Endpoint, stream: EventStream, plan: Plan, conditions: CallerConditions,
                 policy_version: str, loads: Loads, audit: AuditSink, *, schedule: Sequence[float] = SCHEDULE,
                 client: httpx.AsyncClient | None = None, poll_seconds: float = 0.2,
                 replan: Callable[[Subscriber], Subscriber] | None = None) -> None:
        self.endpoint = endpoint
        #: the client as the policy in force plans it (raising, so events wait, where it no longer permits it)
        self.replan = replan
        self.stream = stream
        self.consumer = DurableConsumer(stream, f"webhook:{endpoint.name}")
        self.subscriber = Subscriber(
            subject=endpoint.client, kind="service", agency=endpoint.agency, roles=(endpoint.role,),
            purpose=endpoint.purpose, justification=None, policy_version=policy_version, plan=plan,
            conditions=conditions, operation=Operation(f"webhook:{endpoint.name}", "webhook"),
            connection_id=f"webhook:{endpoint.name}", user_agent="hub webhooks")
        self.loads = loads
        self.audit = audit
        self.schedule = tuple(schedule)
        self.client = client or httpx.AsyncClient(timeout=10)
        self.poll_seconds = poll_seconds
        self._prepared: set[str] = set()
        #: the outboxes read from since this sender started
        self._read: set[str] = set()
        #: the events this replica took from the broker and finished with lately, oldest first
        self._finished: dict[tuple[str, int], None] = {}
        #: the loop time from which to look for follow-ups owed (0: at the first turn, after a restart)
        self._settle_at = 0.0

    async def run(self) -> None:
        if self.stream.bus is not None:
            await self.run_shared(self.stream.bus)
        while True:
            try:
                delivered = await self.once()
            except Exception as exc:  # the trail or an agency away: nothing was passed, so try again shortly
                self._failed(exc)
                await asyncio.sleep(self.RETRY_SECONDS)
                continue
            if not delivered:
                await asyncio.sleep(self.poll_seconds)

    def _failed(self, exc: Exception) -> None:
        log.warning("sending webhooks failed; trying again", extra={"endpoint": self.endpoint.name,
                                                                     "error_type": type(exc).__name__})

    async def run_shared(self, bus: JetStreamBus) -> None:
        """With replicas: the endpoint's events come from the broker's durable consumer the replicas share, so
        each is sent by one replica, and one a killed replica had taken is sent by another (which resumes its
        retries where they stopped: the series is kept beside the outbox, not in the replica)."""
        queue = await bus.work_queue(f"webhook-{re.sub(r'[^A-Za-z0-9_-]', '_', self.endpoint.name)}",
                                     ack_wait=self.ACK_WAIT)
        while True:
            try:
                await self._settle_when_due()
                taken = await queue.take(wait=self.poll_seconds * 5)
                if taken is not None:
                    await self._shared(queue, *taken)
            except Exception as exc:  # the event goes back to the broker (unacknowledged) and comes again
                self._failed(exc)
                await asyncio.sleep(self.RETRY_SECONDS)

    async def _shared(self, queue: WorkQueue, row: OutboxRow, msg: Msg) -> None:
        """One event from the broker's queue: sent (or not for this endpoint), then acknowledged."""
        again = msg.metadata.num_delivered > 1
        # a copy handed out while this replica still had the event in hand (its hold lapsed under load)
        if again and (row.agency, row.position) in self._finished:
            await queue.done(msg)
            return
        if row.agency in self.stream.sources and row.event_type in self.endpoint.events:
            [event] = await self.stream.resolve([row])
            # handed out again: the replica that had it may have begun its series, or dead-lettered it
            if not (again and await self._dead_lettered(event)):
                await self.send(event, working=msg.in_progress, again=again)
        self._finished[(row.agency, row.position)] = None
        await queue.done(msg)
        if len(self._finished) > 1000:
            del self._finished[next(iter(self._finished))]

    async def once(self) -> int:
        """Send (or dead-letter) every event waiting for the endpoint; how many were handled."""
        await self._settle_when_due()
        batch = await self.consumer.next_batch()
        for event in batch:
            # The first of each outbox after a start (or a failure) may be one a stopped hub had begun a series
            # for, or dead-lettered, without moving its cursor past it; any later one is new.
            again = event.row.agency not in self._read
            self._read.add(event.row.agency)
            try:
                if event.kind.name in self.endpoint.events and not (again and await self._dead_lettered(event)):
                    await self.send(event, again=again)
                await self.consumer.ack(event)
            except BaseException:  # not passed: the next turn looks for the series this one may have begun
                self._read.discard(event.row.agency)
                raise
        return len(batch)

    async def send(self, event: ChangeEvent, working: Callable[[], Awaitable[None]] | None = None, *,
                   again: bool = True) -> bool:
        """Deliver with retries; True once accepted (or no longer for this endpoint), False once dead-lettered.

        Audited once, before the first attempt: what is disclosed is the event as judged, however many times the
        receiver needs it sent. A series a stopped hub left is resumed at its next attempt, when that is due
        (``again`` False: the event is new to this endpoint, so there is no series to look for)."""
        # The signer first: a secret that cannot be read must fail before the delivery is audited as made.
        secret = self.endpoint.resolve_secret()
        signer = Webhook(secret)
        key = state.Key(self.endpoint.name, event.row.agency, event.row.position)
        begun = await self._recorded(event, key, secret, again)
        if begun is None:
            return True
        d, series = begun
        engine = await self._engine(key.agency)
        body = payload(d)
        made, error = series.attempts, series.last_error
        while made < len(self.schedule):
            await self._wait((series.due - datetime.now(UTC)).total_seconds(), working)
            if made > 0:  # judged again before each retry: the agreements or relationships may have changed since
                begun = await self._recorded(event, key, secret, again=True)
                if begun is None:
                    return True
                d, series = begun
                body = payload(d)
            now = datetime.now(UTC)
            headers = {"webhook-id": event.event_id, "webhook-timestamp": str(int(now.timestamp())),
                       "webhook-signature": signer.sign(event.event_id, now, body),
                       "content-type": "application/json"}
            try:
                response = await self.client.post(self.endpoint.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            else:
                if 200 <= response.status_code < 300:
                    await state.clear(engine, key)
                    return True
                error = f"HTTP {response.status_code}"
            made += 1
            log.info("webhook attempt failed", extra={"endpoint": self.endpoint.name, "attempt": made,
                                                       "error_type": error})
            if made < len(self.schedule):
                series = replace(series, attempts=made, last_error=error,
                                 due=datetime.now(UTC) + timedelta(seconds=self.schedule[made]))
                await state.save(engine, key, series)
        await self._dead_letter(event, key, d.audit_seq, made, error)
        return False

    async def _recorded(self, event: ChangeEvent, key: state.Key, secret: str, again: bool
                        ) -> tuple[Delivery, state.Series] | None:
        """The event as released to the endpoint's client, and its series, begun or resumed; None: not for them.

        A resumed series is judged again (the agreements may have changed) and recorded again only if what is
        released differs, the old record then getting its follow-up."""
        engine = await self._engine(key.agency)
        series = await state.load(engine, key) if again else None
        if series is not None and series.dead:  # a replay of a dead letter whose follow-up is still owed
            await self._follow_up(event, key, series.audit_seq, _dead_why(series.attempts, series.last_error))
            series = None
        resumed = series

        async def retire(seq: int) -> None:
            assert resumed is not None
            await self.audit.append(state.undelivered_record(
                event, self.subscriber, seq, "the agreements now release otherwise: it is recorded anew"))
            await state.save(engine, key, replace(resumed, audit_seq=None))

        sink = _Standing(self.audit, secret, series, retire)
        if self.replan is not None:  # judged under the agreements in force now, as a subscription's events are
            self.subscriber = self.replan(self.subscriber)
        d = await deliver(event, self.subscriber, self.loads, sink)
        if d is None:  # not for this endpoint's client under the agreements (no longer, if resumed)
            if series is not None:
                await self._follow_up(event, key, series.audit_seq, "the agreements no longer release it")
            return None
        if series is None:
            due = datetime.now(UTC) + timedelta(seconds=self.schedule[0] if self.schedule else 0)
            series = state.Series(0, due, d.audit_seq, sink.fingerprint)
        elif series.audit_seq == d.audit_seq:  # resumed, the disclosure as recorded
            return d, series
        else:
            series = replace(series, audit_seq=d.audit_seq, disclosure=sink.fingerprint)
        await state.save(engine, key, series)  # before the first attempt: a restart must not record it again
        return d, series

    async def _wait(self, seconds: float, working: Callable[[], Awaitable[None]] | None) -> None:
        """Sleep until the next attempt; from the broker's queue, telling it the event is still in hand, so it is
        not handed to another replica while retries wait hours."""
        end = asyncio.get_running_loop().time() + seconds
        while (left := end - asyncio.get_running_loop().time()) > 0:
            if working is not None:
                await working()
            await asyncio.sleep(min(left, self.ACK_WAIT / 3))

    async def _dead_letter(self, event: ChangeEvent, key: state.Key, seq: int, attempts: int, error: str) -> None:
        """On the list first, then the follow-up record: a trail that cannot take it loses neither (``settle``
        writes it later)."""
        engine = await self._engine(key.agency)
        await state.dead_letter(engine, key, attempts, error, event.kind.name)
        try:
            await self._follow_up(event, key, seq, _dead_why(attempts, error))
        except Exception as exc:
            log.warning("the record that a dead-lettered delivery never happened is owed",
                        extra={"endpoint": self.endpoint.name, "error_type": type(exc).__name__})
            self._settle_at = asyncio.get_running_loop().time() + self.SETTLE_SECONDS

    async def _follow_up(self, event: ChangeEvent, key: state.Key, seq: int | None, why: str) -> None:
        """The record that the delivery recorded as ``seq`` never reached the receiver; then the series is done."""
        if seq is not None:
            try:
                await self.audit.append(state.undelivered_record(event, self.subscriber, seq, why))
            except Exception as exc:
                raise AuditUnavailable("the audit trail cannot be written") from exc
        await state.clear(await self._engine(key.agency), key)

    async def _settle_when_due(self) -> None:
        if asyncio.get_running_loop().time() >= self._settle_at:
            await self.settle()

    async def settle(self) -> int:
        """Write the follow-up records owed for dead letters (the trail was down when they were made, or the hub
        stopped in between); how many were written. Tried again after ``SETTLE_SECONDS`` if the trail refuses."""
        written = 0
        try:
            for agency, source in self.stream.sources.items():
                await self._engine(agency)
                for key, series in await state.owed(source.engine, self.endpoint.name, agency):
                    event = await self._event(agency, key.position)
                    if event is None:
                        log.warning("a dead letter's event is gone from its outbox", extra={
                            "endpoint": self.endpoint.name, "agency": agency})
                        continue
                    await self._follow_up(event, key, series.audit_seq, _dead_why(series.attempts,
                                                                                  series.last_error))
                    written += 1
        except Exception as exc:
            log.warning("writing the follow-ups owed failed", extra={"endpoint": self.endpoint.name,
                                                                     "error_type": type(exc).__name__})
            self._settle_at = asyncio.get_running_loop().time() + self.SETTLE_SECONDS
        else:
            self._settle_at = math.inf
        return written

    async def _engine(self, agency: str) -> AsyncEngine:
        """Where the hub keeps this source's consumer state, with the senders' tables in it."""
        engine = self.stream.sources[agency].engine
        if agency not in self._prepared:
            async with engine.begin() as conn:
                await conn.run_sync(create_dead_table)
            self._prepared.add(agency)
        return engine

    async def _dead_lettered(self, event: ChangeEvent) -> bool:
        key = state.Key(self.endpoint.name, event.row.agency, event.row.position)
        return await state.is_dead_letter(await self._engine(key.agency), key)

    async def _event(self, agency: str, position: int) -> ChangeEvent | None:
        # through the source's feed: an agency reached over its API has no outbox in the hub's state store
        rows = await self.stream.sources[agency].feed.read_after(position - 1, 1)
        found = await self.stream.resolve([r for r in rows if r.position == position])
        return found[0] if found else None

    async def replay(self, agency: str, position: int) -> bool:
        """Send a dead-lettered event again (information governance's replay): off the list once accepted. It is
        a new delivery, recorded as such."""
        event = await self._event(agency, position)
        if event is None or not await self.send(event):
            return False
        await state.remove_dead_letter(await self._engine(agency), state.Key(self.endpoint.name, agency, position))
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.aclose()


def _dead_why(attempts: int, error: str) -> str:
    return f"dead-lettered after {attempts} attempts, the last {error or 'unanswered'}"

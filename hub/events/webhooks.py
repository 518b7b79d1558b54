"""Webhooks for partner systems: endpoints configured beside the agreements, events signed per Standard Webhooks.

Each endpoint is a durable consumer (its cursor in each agency's outbox): events are judged and audited for
its client as they would be for a subscription, then POSTed with ``webhook-id`` (the event id: the same on
every retry, so a receiver drops a repeat), ``webhook-timestamp`` and ``webhook-signature`` signed with the
``standardwebhooks`` library. A failed POST is retried with exponential backoff over about a day (the
schedule below), in order: the endpoint's later events wait, so each person's events still arrive in order.
After the last attempt the event goes to the dead-letter list (``hub_webhook_dead`` beside the outbox) that
information governance lists and replays (``hub events dead-letters``, ``hub events replay``), and the
endpoint moves on. A receiver that is down loses nothing: the cursor moves only past a delivered or
dead-lettered event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook

from audit.record import Operation
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.events.broker import JetStreamBus
from hub.events.delivery import AuditSink, Delivery, Loads, Subscriber, deliver
from hub.events.stream import ChangeEvent, DurableConsumer, EventStream
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

_metadata = MetaData()
DEAD = Table(
    "hub_webhook_dead", _metadata,
    Column("endpoint", String(120), primary_key=True),
    Column("agency", String(40), primary_key=True),
    Column("event_position", Integer, primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(200), nullable=False),
    Column("dead_at", String(40), nullable=False),
    # the event kind, for the list; no values
    Column("event_type", String(40), nullable=False),
)


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
    _metadata.create_all(conn, checkfirst=True)


class WebhookSender:
    """Delivers one endpoint's events, in order, until stopped."""

    #: seconds the broker waits for an acknowledgement before handing an event to another replica
    ACK_WAIT = 30.0

    def __init__(self, endpoint: Endpoint, stream: EventStream, plan: Plan, conditions: CallerConditions,
                 policy_version: str, loads: Loads, audit: AuditSink, *, schedule: Sequence[float] = SCHEDULE,
                 client: httpx.AsyncClient | None = None, poll_seconds: float = 0.2) -> None:
        self.endpoint = endpoint
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

    async def run(self) -> None:
        if self.stream.bus is not None:
            await self.run_shared(self.stream.bus)
        while True:
            delivered = await self.once()
            if not delivered:
                await asyncio.sleep(self.poll_seconds)

    async def run_shared(self, bus: JetStreamBus) -> None:
        """With replicas: the endpoint's events come from the broker's durable consumer the replicas share, so
        each is sent by one replica, and one a killed replica had taken is sent by another."""
        queue = await bus.work_queue(f"webhook-{re.sub(r'[^A-Za-z0-9_-]', '_', self.endpoint.name)}",
                                     ack_wait=self.ACK_WAIT)
        while True:
            taken = await queue.take(wait=self.poll_seconds * 5)
            if taken is None:
                continue
            row, msg = taken
            if row.agency in self.stream.sources and row.event_type in self.endpoint.events:
                [event] = await self.stream.resolve([row])
                await self.send(event, working=msg.in_progress)
            await queue.done(msg)

    async def once(self) -> int:
        """Send (or dead-letter) every event waiting for the endpoint; how many were handled."""
        batch = await self.consumer.next_batch()
        for event in batch:
            if event.kind.name in self.endpoint.events:
                await self.send(event)
            await self.consumer.ack(event)
        return len(batch)

    async def send(self, event: ChangeEvent, working: Callable[[], Awaitable[None]] | None = None) -> bool:
        """Deliver with retries; True once accepted, False once dead-lettered. Audited once, before the first
        attempt: what is disclosed is the event as judged, however many times the receiver needs it sent."""
        # The signer first: a secret that cannot be read must fail before the delivery is audited as made.
        signer = Webhook(self.endpoint.resolve_secret())
        d = await deliver(event, self.subscriber, self.loads, self.audit)
        if d is None:  # not for this endpoint's client under the agreements
            return True
        body = payload(d)
        error = ""
        for attempt, wait in enumerate(self.schedule, start=1):
            await self._wait(wait, working)
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
                    return True
                error = f"HTTP {response.status_code}"
            log.info("webhook attempt failed", extra={"endpoint": self.endpoint.name, "attempt": attempt,
                                                       "error_type": error})
        await self.dead_letter(event, len(self.schedule), error)
        return False

    async def _wait(self, seconds: float, working: Callable[[], Awaitable[None]] | None) -> None:
        """Sleep until the next attempt; from the broker's queue, telling it the event is still in hand, so it is
        not handed to another replica while retries wait hours."""
        end = asyncio.get_running_loop().time() + seconds
        while (left := end - asyncio.get_running_loop().time()) > 0:
            if working is not None:
                await working()
            await asyncio.sleep(min(left, self.ACK_WAIT / 3))

    async def dead_letter(self, event: ChangeEvent, attempts: int, error: str) -> None:
        engine = self.stream.sources[event.row.agency].engine
        async with engine.begin() as conn:
            await conn.run_sync(create_dead_table)
            await conn.execute(delete(DEAD).where(DEAD.c.endpoint == self.endpoint.name,
                                                  DEAD.c.agency == event.row.agency,
                                                  DEAD.c.event_position == event.row.position))
            await conn.execute(insert(DEAD).values(
                endpoint=self.endpoint.name, agency=event.row.agency, event_position=event.row.position,
                attempts=attempts,
                last_error=error[:200], dead_at=datetime.now(UTC).isoformat(), event_type=event.kind.name))

    async def replay(self, agency: str, position: int) -> bool:
        """Send a dead-lettered event again (information governance's replay): off the list once accepted."""
        from hub.events import outbox

        source = self.stream.sources[agency]
        rows = [r for r in await outbox.read_after(source.engine, agency, position - 1, 1) if r.position == position]
        if not rows:
            return False
        [event] = await self.stream.resolve(rows)
        if not await self.send(event):
            return False
        async with source.engine.begin() as conn:
            await conn.execute(delete(DEAD).where(DEAD.c.endpoint == self.endpoint.name, DEAD.c.agency == agency,
                                                  DEAD.c.event_position == position))
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.aclose()


async def dead_letters(engine: AsyncEngine, agency: str) -> list[dict[str, Any]]:
    """The dead-letter list of one agency's outbox: endpoint, event position and kind, attempts, last error."""
    async with engine.begin() as conn:
        await conn.run_sync(create_dead_table)
        rows = (await conn.execute(select(DEAD).where(DEAD.c.agency == agency).order_by(DEAD.c.dead_at))
                ).mappings().all()
    return [dict(r) for r in rows]

"""``hub events tail``: information governance watching the event stream, people pseudonymised.

Each line is an event: when, its id, kind and agency, and a keyed pseudonym of the person (the audit
trail's digest key, so the same person reads the same within a deployment and cannot be looked up without
the key). No field values are shown. Whatever is shown is audited first, under purpose ``audit`` with
the justification given; if the record cannot be written nothing is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import UTC, datetime

from audit.digest import VariablesDigest, load_digest
from audit.record import AuditEvent
from audit.store import AuditStore
from hub.core.errors import AuditUnavailable
from hub.core.settings import Settings
from hub.events import outbox
from hub.events.stream import ChangeEvent, DurableConsumer, EventStream, sources_of
from hub.web.runtime import Hub

ROLE, PURPOSE = "ig-officer", "audit"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    tail = sub.add_parser("tail", help="the latest events, then (with --follow) each new one")
    tail.add_argument("--user", required=True, help="the information governance officer (e.g. ig-001)")
    tail.add_argument("--justification", required=True, help="why (kept in the audit record)")
    tail.add_argument("--last", type=int, default=20, help="how many recent events per agency (default 20)")
    tail.add_argument("--follow", action="store_true", help="keep printing events as they are captured")


def pseudonym(digest: VariablesDigest, person_id: str | None) -> str:
    if person_id is None:
        return "unlinked"
    return "P-" + digest.document(f"event-subject:{person_id}")[:12]


async def tail(settings: Settings, user: str, justification: str, last: int, follow: bool,
               out: list[str] | None = None) -> None:
    hub = Hub.open(settings)
    store = await AuditStore.open(settings)
    digest = load_digest(settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    consumer = DurableConsumer(stream, f"tail-{uuid.uuid4().hex}")
    try:
        await stream.install()
        recent: list[ChangeEvent] = []
        for s in stream.sources.values():
            end = await outbox.head(s.engine)
            recent.extend(await stream.resolve(await outbox.read_after(s.engine, s.agency, max(0, end - last), last)))
            await outbox.move_cursor(s.engine, consumer.name, end)
        await show(sorted(recent, key=lambda e: e.row.occurred_at), store, digest, user, justification, out)
        while follow:
            batch = await consumer.next_batch()
            await show(batch, store, digest, user, justification, out)
            for event in batch:
                await consumer.ack(event)
            await asyncio.sleep(0.2)
    finally:
        for s in stream.sources.values():
            await outbox.forget(s.engine, consumer.name)
        await store.close()
        await hub.close()


async def show(events: list[ChangeEvent], store: AuditStore, digest: VariablesDigest, user: str, justification: str,
               out: list[str] | None) -> None:
    if not events:
        return
    subjects = tuple(sorted({e.person_id for e in events if e.person_id is not None}))
    record = AuditEvent(
        occurred_at=datetime.now(UTC), trace_id=events[0].trace_id, request_id=uuid.uuid4().hex, actor_id=user,
        actor_kind="user", agency="partnership", roles=(ROLE,), source_address="", user_agent="hub events tail",
        purpose=PURPOSE, justification=justification, legal_bases=(), clauses=(), operation_name="hub events tail",
        operation_type="events", query_hash=None, variables_hash=None, subjects=subjects,
        # the kind of each event and a pseudonym of its person: no agency's field values
        disclosed={"hub": ("Event.type", "Event.subject (pseudonymised)")}, withheld={}, masked={},
        outcome="ok", error_codes=(), latency_ms=0.0, policy_version="")
    try:
        await store.append(record)
    except Exception as exc:
        raise AuditUnavailable("the audit trail cannot be written, so no event is shown") from exc
    for e in events:
        line = (f"{e.row.occurred_at}  {e.event_id:<16} {e.kind.name:<26} {e.row.agency:<10} "
                f"{pseudonym(digest, e.person_id)}")
        if out is not None:
            out.append(line)
        else:
            print(line, flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.justification.strip():
        print("hub events tail: a justification is required for purpose audit", file=sys.stderr)
        return 2
    asyncio.run(tail(settings, args.user, args.justification, args.last, args.follow))
    return 0

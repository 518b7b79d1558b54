"""``hub events tail|webhooks|dead-letters|replay``: information governance's view of the event stream.

``tail`` shows the stream with people pseudonymised.

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
from hub.events.delivery import Loads
from hub.events.stream import ChangeEvent, DurableConsumer, event_stream
from hub.events.webhooks import WebhookSender, configured_endpoints, dead_letters, shown_url
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore

ROLE, PURPOSE = "ig-officer", "audit"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    tail = sub.add_parser("tail", help="the latest events, then (with --follow) each new one")
    tail.add_argument("--user", required=True, help="the information governance officer (e.g. ig-001)")
    tail.add_argument("--justification", required=True, help="why (kept in the audit record)")
    tail.add_argument("--last", type=int, default=20, help="how many recent events per agency (default 20)")
    tail.add_argument("--follow", action="store_true", help="keep printing events as they are captured")
    sub.add_parser("webhooks", help="check the webhook endpoints (policies/webhooks.csv) against the agreements")
    sub.add_parser("dead-letters", help="events a webhook endpoint never accepted, after every retry")
    replay = sub.add_parser("replay", help="send a dead-lettered event to its endpoint again")
    replay.add_argument("--endpoint", required=True)
    replay.add_argument("--agency", required=True)
    replay.add_argument("--position", required=True, type=int, help="the event's outbox position (as listed)")


def pseudonym(digest: VariablesDigest, person_id: str | None) -> str:
    if person_id is None:
        return "unlinked"
    return "P-" + digest.document(f"event-subject:{person_id}")[:12]


async def tail(settings: Settings, user: str, justification: str, last: int, follow: bool,
               out: list[str] | None = None) -> None:
    hub = Hub.open(settings)
    store = await AuditStore.open(settings)
    digest = load_digest(settings)
    stream = event_stream(settings, hub.agencies, hub.index)
    consumer = DurableConsumer(stream, f"tail-{uuid.uuid4().hex}")
    try:
        await stream.install()
        recent: list[ChangeEvent] = []
        for s in stream.sources.values():
            end = await s.feed.head()
            recent.extend(await stream.resolve(await s.feed.read_after(max(0, end - last), last)))
            await outbox.move_cursor(s.engine, s.agency, consumer.name, end)
        await show(sorted(recent, key=lambda e: e.row.occurred_at), store, digest, user, justification, out)
        while follow:
            batch = await consumer.next_batch()
            await show(batch, store, digest, user, justification, out)
            for event in batch:
                await consumer.ack(event)
            await asyncio.sleep(0.2)
    finally:
        for s in stream.sources.values():
            await outbox.forget(s.engine, s.agency, consumer.name)
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


async def _webhooks(settings: Settings, action: str, args: argparse.Namespace) -> int:
    hub = Hub.open(settings)
    try:
        policy = PolicyStore.open(settings).current()
        endpoints = configured_endpoints(settings, hub.agencies, policy)
        stream = event_stream(settings, hub.agencies, hub.index)
        if action == "webhooks":
            # no userinfo, query or fragment: a partner may have put a credential there
            for e in endpoints:
                print(f"{e.name}: {e.client} ({e.agency}, {e.role}, {e.purpose}) "
                      f"{' '.join(sorted(e.events))} -> {shown_url(e.url)}")
            print(f"{len(endpoints)} endpoint(s), checked against policy version {policy.version}")
            return 0
        if action == "dead-letters":
            for s in stream.sources.values():
                for d in await dead_letters(s.engine, s.agency):
                    print(f"{d['dead_at']}  {d['endpoint']:<20} {s.agency}-{d['event_position']:<8} "
                          f"{d['event_type']:<26} attempts={d['attempts']} last={d['last_error']}")
            return 0
        endpoint = next((e for e in endpoints if e.name == args.endpoint), None)
        if endpoint is None:
            print(f"hub events replay: no endpoint {args.endpoint!r}", file=sys.stderr)
            return 2
        store = await AuditStore.open(settings)
        try:
            sender = WebhookSender(endpoint, stream, policy.plan((endpoint.role,), endpoint.purpose),
                                   CallerConditions(hub.index, hub.agencies, endpoint.agency, endpoint.client),
                                   policy.version, Loads(hub.agencies, hub.index), store, schedule=(0,))
            done = await sender.replay(args.agency, args.position)
            await sender.close()
        finally:
            await store.close()
        print("delivered" if done else "not delivered: still on the dead-letter list")
        return 0 if done else 1
    finally:
        await hub.close()


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action != "tail":
        return asyncio.run(_webhooks(settings, args.action, args))
    if not args.justification.strip():
        print("hub events tail: a justification is required for purpose audit", file=sys.stderr)
        return 2
    asyncio.run(tail(settings, args.user, args.justification, args.last, args.follow))
    return 0

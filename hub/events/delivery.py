"""Judging one event for one subscriber, as a query would be judged, and recording it before it leaves.

Each field of an event is the catalogue field it discloses (``ProbationRecord.releaseDate``...), judged by
the gate with the subscriber's planned access and row conditions (caseload, victim's case, relationship)
at delivery time. An event reaches a subscriber only if one of its primary fields is released to them and
shows them the change (whether an agency holds a record about someone is itself data, and so is a change
to a field withheld from them); values pass through their masks (the victim liaison officer's exclusion
zones). Only the fields the subscription selects are read, sent and recorded. The delivery's audit record
is written first: no record, no delivery (``AuditUnavailable``).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from opentelemetry import trace

from audit.record import AuditEvent, Disclosure, Operation
from hub.core.capture import EventField, EventKind
from hub.core.errors import AuditUnavailable
from hub.events.stream import ChangeEvent
from hub.services.agencies import Agencies
from hub.services.index.store import PersonIndex
from schema.governance.gate import Conditions, Gate, Plan, Verdict
from schema.governance.person_level import IDENTITY
from schema.governance.release import transformed


class AuditSink(Protocol):
    async def append(self, event: AuditEvent) -> int: ...


@dataclass(frozen=True)
class Subscriber:
    """Who is told, and why: a verified subscriber's access as planned for its roles and purpose."""

    subject: str
    kind: str
    agency: str
    roles: tuple[str, ...]
    purpose: str
    justification: str | None
    policy_version: str
    plan: Plan
    conditions: Conditions
    #: the subscription (operation) it receives events on, and where it connected from
    operation: Operation
    connection_id: str
    source_address: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class Delivery:
    event: ChangeEvent
    #: each released field's value (through its mask); withheld fields are absent
    values: Mapping[str, Any]
    disclosure: Disclosure
    audit_seq: int


class Loads:
    """Values read from the agencies, and judgements, shared by the deliveries of one event as it fans out.

    An event reaches every subscriber's queue at once, so reads are shared as tasks, not as finished values:
    concurrent deliveries of one event wait on one read of the person and one of each record or list, and
    subscribers alike on one judgement. Each is kept only ``keep`` seconds (well under the caseload cache's
    life): a later delivery of the same event (a replay ``since``, a webhook's retry series resumed) is judged
    and read afresh, as the agreements and the agency's record stand then."""

    def __init__(self, agencies: Agencies, index: PersonIndex, *, keep: float = 2.0) -> None:
        self.agencies = agencies
        self.index = index
        self.keep = keep
        #: key -> (when it was asked for, monotonic; the read), oldest first
        self._reads: dict[tuple[str, ...], tuple[float, asyncio.Future[Any]]] = {}
        self._conditioned: dict[tuple[str, tuple[str, ...], str, str], bool] = {}

    async def value(self, event: ChangeEvent, f: EventField) -> Any:
        assert f.load is not None and event.person_id is not None
        load = f.load
        descriptor = self.agencies.descriptors.get(load.agency)
        if descriptor is None:
            return None
        person = await self._once((event.event_id, "person"), lambda: self._person(event.person_id or ""))
        key = person.links.get(descriptor.key_scheme) if person is not None else None
        if key is None:
            return None
        connector = self.agencies[load.agency]
        # descriptors name the interface's method; the connector's own implements it
        if load.list_name is not None:
            fetch = getattr(connector, descriptor.lists[load.list_name].__name__)
            found = await self._once((event.event_id, load.agency, load.list_name), lambda: fetch([key]))
            return found.get(key, [])
        read = getattr(connector, descriptor.records.__name__)
        record = (await self._once((event.event_id, load.agency, ""), lambda: read([key]))).get(key)
        return getattr(record, load.attribute or "", None) if record is not None else None

    async def judged(self, event: ChangeEvent, subscriber: Subscriber) -> list[tuple[EventField, Verdict]] | None:
        """``judge``, once per event for every subscriber under the same plan (roles, purpose, policy) and, where
        a condition on the person decides (a caseload, victims' cases), the same user."""
        s = subscriber
        who = s.subject if self._turns_on_who(s, event.kind) else ""
        key = (event.event_id, "judged", who, s.agency, *s.roles, "\x00", s.purpose, s.policy_version)
        found: list[tuple[EventField, Verdict]] | None = await self._once(key, lambda: judge(event, subscriber))
        return found

    async def _person(self, person_id: str) -> Any:
        return (await self.index.get_many([person_id])).get(person_id)

    async def _once(self, key: tuple[str, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        while self._reads:  # kept in the order asked for, so the stale ones are at the front
            oldest = next(iter(self._reads))
            if self._reads[oldest][0] >= now - self.keep:
                break
            del self._reads[oldest]
        held = self._reads.get(key)
        if held is None:
            held = self._reads[key] = (now, asyncio.ensure_future(read()))
        try:
            return await asyncio.shield(held[1])
        except Exception:
            self._reads.pop(key, None)  # a failed read is not kept: the next delivery asks again
            raise

    def _turns_on_who(self, subscriber: Subscriber, kind: EventKind) -> bool:
        """Whether the subscriber's judgement of this kind of event turns on who they are (a row condition on
        the identity or on a field of the event), or only on their plan (so is the same for all who share it)."""
        key = (subscriber.policy_version, subscriber.roles, subscriber.purpose, kind.name)
        found = self._conditioned.get(key)
        if found is None:
            keys = (*IDENTITY, *(f.field_key for f in kind.fields))
            found = self._conditioned[key] = any(subscriber.plan.field(k).condition is not None for k in keys)
        return found


#: The Person fields that say who someone is (the agreements' identity group), as the gate judges them.
_IDENTITY = tuple((name, name) for name in (key.split(".", 1)[1] for key in IDENTITY))


def shows_change(f: EventField, v: Verdict, data: Mapping[str, Any]) -> bool:
    """Whether a released field shows the subscriber that something changed (``EventField.change``)."""
    if f.change is None:
        return True
    before, after = f.change(data)
    if v.transform is not None:
        before, after = transformed(v.transform, before), transformed(v.transform, after)
    return bool(before != after)


def may_concern(event: ChangeEvent, subscriber: Subscriber) -> bool:
    """False only when the subscriber certainly may not learn of the event: its person's identity is withheld
    from them under the condition sets already loaded (no await). Checked for every subscriber as an event
    fans out, so those it cannot concern are not woken, judged or read for; True sends it on to ``judge``."""
    if event.person_id is None:
        return False
    verdicts = Gate(subscriber.plan, subscriber.conditions).judge_now("Person", event.person_id, _IDENTITY,
                                                                      consent=None)
    return verdicts is None or any(v.show for v in verdicts)


async def judge(event: ChangeEvent, subscriber: Subscriber) -> list[tuple[EventField, Verdict]] | None:
    """The gate's verdict on each field of the event for this subscriber; None if it may not learn of it."""
    if event.person_id is None:  # a key the person index cannot place: no one can be told about no one
        return None
    gate = Gate(subscriber.plan, subscriber.conditions)
    # As person(id:) and searches: only someone whose identity the subscriber may see can be named to them.
    # Otherwise an event released under a wider condition than identity would say who the person is and
    # that the agency holds a record about them.
    identity = await gate.judge("Person", event.person_id, _IDENTITY, consent=None)
    if not any(v.show for v in identity):
        return None
    by_type: dict[str, list[EventField]] = defaultdict(list)
    for f in event.kind.fields:
        by_type[f.field_key.split(".", 1)[0]].append(f)
    judged: list[tuple[EventField, Verdict]] = []
    for type_name, fields in by_type.items():
        pairs = tuple((f.field_key.split(".", 1)[1], f.name) for f in fields)
        # No record is loaded to judge consent against, so a consent condition keeps its field back.
        verdicts = await gate.judge(type_name, event.person_id, pairs, consent=None)
        judged.extend(zip(fields, verdicts, strict=True))
    if not any(v.show and shows_change(f, v, event.data) for f, v in judged if f.primary):
        return None
    return judged


async def deliver(event: ChangeEvent, subscriber: Subscriber, loads: Loads, audit: AuditSink, *,
                  selected: frozenset[str] | None = None, operation: Operation | None = None,
                  request: str | None = None) -> Delivery | None:
    """The event as released to this subscriber, once its audit record is written; None: not for them.

    ``selected``: the event's fields the subscription asks for (None: all, as a webhook's payload carries);
    whether the event is delivered at all does not depend on it. ``operation``: the subscription's document
    and variables digests, for the record (default: the subscriber's). ``request``: the record's request id
    (default: the event's id and the subscriber's connection)."""
    tracer = trace.get_tracer("hub.events")
    with tracer.start_as_current_span("events.deliver", context=event.span_context(), attributes={
            "hub.event.id": event.event_id, "hub.event.type": event.kind.name, "hub.purpose": subscriber.purpose}):
        # Subscribers alike (one user's several subscriptions, under one plan) share one judgement of the event;
        # each delivery is still accounted and audited on its own.
        judged = await loads.judged(event, subscriber)
        if judged is None:
            return None
        assert event.person_id is not None
        gate = Gate(subscriber.plan, subscriber.conditions)
        ledger = gate.ledger
        op = operation or subscriber.operation
        # the event delivered, under the subscription's document and variables
        ledger.operation = Operation(event.kind.name, op.type, op.query_hash, op.variables_hash)
        subject = ledger.of(event.person_id)
        if selected is None or "personId" in selected:  # who it is about, when sent
            subject.disclosed.add("Person.id")
        values: dict[str, Any] = {}
        for f, v in judged:
            if selected is not None and f.name not in selected:
                continue  # not asked for: neither read, sent nor recorded
            if not v.show:
                if v.decision is not None and v.reason is not None:
                    subject.withheld[v.field_key] = v.reason
                    gate.withhold([f.name], v.field_key, v.reason, v.decision)
                continue
            raw = await loads.value(event, f) if f.load is not None else event.data.get(f.data or "")
            values[f.name] = transformed(v.transform, raw) if v.transform is not None else raw
            if v.decision is not None:
                ledger.cite(v.decision)
                if v.decision.effect == "mask":
                    subject.masked[v.field_key] = v.decision.clause
                    continue
            subject.disclosed.add(v.field_key)
        disclosure = ledger.disclosure(gate.owner_of)
        record = audit_record(event, subscriber, disclosure, request)
        try:
            seq = await audit.append(record)
        except Exception as exc:
            raise AuditUnavailable("the audit trail cannot be written, so the event is not delivered") from exc
        return Delivery(event, values, disclosure, seq)


def request_id(event: ChangeEvent, subscriber: Subscriber) -> str:
    """A delivery's request id by default: the event and where it went (a subscription adds its number)."""
    return f"{event.event_id}/{subscriber.connection_id}"


def audit_record(event: ChangeEvent, subscriber: Subscriber, disclosure: Disclosure, request: str | None = None
                 ) -> AuditEvent:
    return AuditEvent(
        occurred_at=datetime.now(UTC),
        trace_id=event.trace_id,
        request_id=request or request_id(event, subscriber),
        actor_id=subscriber.subject,
        actor_kind=subscriber.kind,
        agency=subscriber.agency,
        roles=subscriber.roles,
        source_address=subscriber.source_address,
        user_agent=subscriber.user_agent,
        purpose=subscriber.purpose,
        justification=subscriber.justification or "",
        outcome="partial" if disclosure.withheld else "ok",
        error_codes=(),
        # from the hub reading the change to the record of its delivery
        latency_ms=round((time.monotonic() - event.read_at) * 1000, 3),
        policy_version=subscriber.policy_version,
        **disclosure.record_fields(),
    )

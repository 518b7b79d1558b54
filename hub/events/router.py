"""Routing each event only to the subscriptions it may concern, so a thousand open subscriptions cost a few
per event rather than a thousand.

A subscription told only about people under a condition (an offender manager's caseload, a victim liaison
officer's victims' cases, a keyworker's clients) is indexed under those people; one told about anyone, or
whose people are not known yet, receives every event of its topic and is judged for each as before. The
people come from the condition sets the gate itself judges by, as cached (``HUB_CASELOAD_TTL_SECONDS``),
and a subscription leaves the index before those sets expire or a new policy version comes into force:
it is then sent everything until its people are worked out again. The index is built from the sets as
cached: a set not cached is loaded ahead, a few subscriptions at a time, at most once every ``RELOAD``
seconds for one subscription (so an idle subscription costs one read of its caseload per cache lifetime,
and an agency that does not answer holds up no other); without the cache (a TTL of 0) there is nothing to
index by, and the hub runs no router. So routing holds back only what judging at that moment would hold
back too; each event that arrives is still judged and audited in
full when it is taken off the queue (hub/events/delivery.py): an event waiting in a long queue is judged
then, but one routed past a subscriber is not offered again if their caseload grows meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from hub.core.capture import EventKind
from hub.events.delivery import Subscriber
from hub.events.stream import ChangeEvent, EventStream, cancelled
from schema.governance.gate import SETS, Decision
from schema.governance.person_level import IDENTITY

log = logging.getLogger("hub.events")

People = frozenset[str] | None  # None: anyone


class _Unknown(Exception):
    """A condition set the index would rest on is not cached now."""


#: events held for one subscription before it is ended as too slow (it resumes with ``since``)
QUEUE_LIMIT = 10_000
#: the shortest caseload cache life (``HUB_CASELOAD_TTL_SECONDS``) worth routing by: an index must outlive its ticks
ROUTABLE_TTL = 5.0
#: seconds before a subscription's condition sets are loaded ahead again
RELOAD = 10.0
#: subscriptions whose sets are loaded ahead at once
LOAD_AT_ONCE = 16


@dataclass(eq=False)
class _Entry:
    topic: str
    #: None, last: the queue overflowed
    queue: asyncio.Queue[ChangeEvent | None]
    #: the subscriber as the policy in force plans them (the feed's ``current``)
    subscriber: Callable[[], Subscriber]
    #: indexed under these people until ``until`` (monotonic); None: sent every event of the topic
    people: People = None
    until: float = 0.0
    version: str = ""
    #: found to concern anyone (an IOM officer and arrests) until then, under ``version``: not worked out again
    anyone_until: float = 0.0
    overflowed: bool = False
    #: when its sets may next be loaded ahead (monotonic)
    load_after: float = 0.0


def interest(subscriber: Subscriber, kinds: Iterable[EventKind]) -> tuple[People, float] | None:
    """The people the subscriber may be told about on events of these kinds (None: anyone), and until when
    (monotonic clock) that holds: when the first cached set it rests on expires. None: not known from the
    condition sets cached now."""
    conditions = subscriber.conditions
    fresh_until = getattr(conditions, "fresh_until", None)
    until = math.inf

    def under(d: Decision) -> People:
        nonlocal until
        if not d.visible:
            return frozenset()
        if d.condition is None:
            return None
        parts = d.condition.split("+")
        if "consent" in parts:  # an event carries no record to find consent in: judged as not recorded
            return frozenset()
        if any(p not in SETS for p in parts) or fresh_until is None:
            raise _Unknown  # a condition this index does not know: send everything, let the gate judge
        people: frozenset[str] | None = None
        for part in parts:
            found, ends = conditions.cached(part), fresh_until(part)
            if found is None or ends is None:
                raise _Unknown  # not loaded (the gate loads it when it next judges): send everything meanwhile
            until = min(until, ends)
            people = found if people is None else people & found
        return people

    def union(decisions: Iterable[Decision]) -> People:
        out: frozenset[str] = frozenset()
        for d in decisions:
            people = under(d)
            if people is None:
                return None
            out |= people
        return out

    identity_decisions, primary_decisions = _decisions(subscriber, kinds)
    try:
        identity = union(identity_decisions)
        primary = union(primary_decisions)
    except _Unknown:
        return None
    people = primary if identity is None else identity if primary is None else identity & primary
    return people, until


def _decisions(subscriber: Subscriber, kinds: Iterable[EventKind]) -> tuple[list[Decision], list[Decision]]:
    """The plan's decisions on the identity fields and on the kinds' primary fields: who may be told of them."""
    plan = subscriber.plan
    return ([plan.field(key) for key in IDENTITY],
            [plan.field(f.field_key) for k in kinds for f in k.fields if f.primary])


def sets_needed(subscriber: Subscriber, kinds: Iterable[EventKind]) -> set[str]:
    """The condition sets (``caseload``, ``victim_case``, ``relationship``) its ``interest`` rests on."""
    identity, primary = _decisions(subscriber, kinds)
    out: set[str] = set()
    for d in (*identity, *primary):
        if d.visible and d.condition is not None and "consent" not in d.condition.split("+"):
            out.update(p for p in d.condition.split("+") if p in SETS)
    return out


class Router:
    """One listener on the stream for every subscription of this process, routing by topic and person."""

    def __init__(self, stream: EventStream, kinds: Iterable[EventKind], *,
                 version: Callable[[], str] | None = None, tick: float = 0.5, queue_limit: int = QUEUE_LIMIT
                 ) -> None:
        self.stream = stream
        self.queue_limit = queue_limit
        self.kinds: dict[str, list[EventKind]] = defaultdict(list)
        for kind in kinds:
            self.kinds[kind.topic].append(kind)
        #: the policy version in force: a new one sends everything until each subscription is indexed again
        self.version = version
        self.tick = tick
        self._entries: set[_Entry] = set()
        self._everyone: dict[str, set[_Entry]] = defaultdict(set)
        self._by_person: dict[str, dict[str, set[_Entry]]] = defaultdict(lambda: defaultdict(set))
        self._indexed_version = version() if version is not None else ""
        #: the earliest moment an indexed subscription must leave the index
        self._due = math.inf
        self._tasks: list[asyncio.Task[None]] = []
        self._starting = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def join(self, topic: str, subscriber: Callable[[], Subscriber]
                   ) -> AsyncIterator[asyncio.Queue[ChangeEvent | None]]:
        """A queue receiving the topic's events that may concern the subscriber, until the block ends."""
        await self._start()
        entry = _Entry(topic, asyncio.Queue(), subscriber)
        self._entries.add(entry)
        self._everyone[topic].add(entry)
        try:
            yield entry.queue
        finally:
            self._unindex(entry)
            self._everyone[topic].discard(entry)
            self._entries.discard(entry)

    def route(self, event: ChangeEvent) -> None:
        topic = event.kind.topic
        if self.version is not None and self.version() != self._indexed_version:
            self._indexed_version = self.version()
            self._expire(math.inf)
        if time.monotonic() >= self._due:
            self._expire(time.monotonic() + self.tick)
        for entry in self._everyone.get(topic, ()):
            self._put(entry, event)
        if event.person_id is not None:
            for entry in self._by_person[topic].get(event.person_id, ()):
                self._put(entry, event)

    def _put(self, entry: _Entry, event: ChangeEvent) -> None:
        if entry.overflowed:
            return
        if entry.queue.qsize() >= self.queue_limit:  # a client not taking its events: end it, not the worker
            entry.overflowed = True
            entry.queue.put_nowait(None)
            return
        entry.queue.put_nowait(event)

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        await cancelled(tasks)

    async def _start(self) -> None:
        async with self._starting:
            if not self._tasks:
                await self.stream.start()
                ready = asyncio.Event()
                self._tasks = [asyncio.create_task(self._listen(ready), name="hub-events-router"),
                               asyncio.create_task(self._refresh(), name="hub-events-router-index")]
                await ready.wait()

    async def _listen(self, ready: asyncio.Event) -> None:
        async with self.stream.listen() as queue:
            ready.set()
            while True:
                event = await queue.get()
                try:
                    self.route(event)
                except Exception as exc:  # never lose the listener: send the event to every subscription
                    log.warning("routing an event failed", extra={"error_type": type(exc).__name__})
                    for entry in list(self._entries):
                        if entry.topic == event.kind.topic:
                            self._put(entry, event)

    async def _refresh(self) -> None:
        """Index each subscription sent everything, and take out those whose sets are about to expire."""
        while True:
            self._expire(time.monotonic() + 2 * self.tick)
            soon = time.monotonic() + 2 * self.tick
            unknown = [e for e in self._entries if e.people is None and not (
                e.anyone_until > soon and e.version == self._indexed_version) and not self._indexed(e)]
            now = time.monotonic()
            due = [e for e in unknown if e.load_after <= now]
            for i in range(0, len(due), LOAD_AT_ONCE):
                await asyncio.gather(*(self._load(e) for e in due[i:i + LOAD_AT_ONCE]))
            await asyncio.sleep(self.tick)

    def _indexed(self, entry: _Entry) -> bool:
        """Index it if its sets are cached; whether it is settled (indexed, or found to concern anyone)."""
        try:
            self._index(entry)
        except Exception as exc:  # one subscriber's plan refused (a purpose withdrawn): it stays sent
            # everything, its feed ends it; the others are indexed
            log.warning("indexing a subscription failed", extra={"error_type": type(exc).__name__})
            entry.load_after = time.monotonic() + RELOAD
            return True
        return entry.people is not None or entry.anyone_until > time.monotonic()

    async def _load(self, entry: _Entry) -> None:
        """Load the sets the entry's interest rests on, then index it."""
        entry.load_after = time.monotonic() + RELOAD
        try:
            subscriber = entry.subscriber()
            conditions = subscriber.conditions
            if conditions is None:
                return
            for part in sets_needed(subscriber, self.kinds.get(entry.topic, ())):
                await getattr(conditions, SETS[part][1])()
            if entry in self._entries:
                self._index(entry)
        except Exception as exc:  # an agency down, a plan refused: sent everything, tried again after RELOAD
            log.warning("loading a subscription's people failed", extra={"error_type": type(exc).__name__})

    def _index(self, entry: _Entry) -> None:
        version = self._indexed_version
        found = interest(entry.subscriber(), self.kinds.get(entry.topic, ()))
        if found is None:
            return  # not known now: sent everything, looked at again next tick
        people, until = found
        if people is None:
            entry.anyone_until, entry.version = until, version
            return
        if until <= time.monotonic() + 2 * self.tick:
            return  # about to expire: it stays sent everything
        self._everyone[entry.topic].discard(entry)
        entry.people, entry.until, entry.version = people, until, version
        for person in people:
            self._by_person[entry.topic][person].add(entry)
        self._due = min(self._due, until - self.tick)

    def _expire(self, before: float) -> None:
        """Send the indexed subscriptions whose sets expire by ``before`` everything again (they are indexed
        afresh on the next tick)."""
        for entry in [e for e in self._entries if e.people is not None and e.until <= before]:
            self._unindex(entry)
            self._everyone[entry.topic].add(entry)
        self._due = min((e.until - self.tick for e in self._entries if e.people is not None), default=math.inf)

    def _unindex(self, entry: _Entry) -> None:
        if entry.people is None:
            return
        index = self._by_person[entry.topic]
        for person in entry.people:
            found = index.get(person)
            if found is not None:
                found.discard(entry)
                if not found:
                    del index[person]
        entry.people, entry.until = None, 0.0

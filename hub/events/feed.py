"""One subscriber's feed of one topic: a replay from the outboxes (``since``), then the live stream, each
event judged and audited for them on its way out; it ends when their token expires.

Each event is judged under the agreements in force when it is delivered: a policy published while the
subscription is open applies from the next event, and one that no longer permits the subscriber's purpose
ends the subscription (``replan``)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from audit.digest import VariablesDigest
from audit.record import Operation
from hub.core.errors import HubError
from hub.events.delivery import AuditSink, Delivery, Loads, Subscriber, deliver, may_concern, request_id
from hub.events.router import Router
from hub.events.stream import ChangeEvent, EventStream


class SubscriberTooSlow(HubError):
    """More events waited for the subscriber than the hub holds for one: the subscription ends, and a new one
    with ``since`` resumes where it stopped, from the agencies' outboxes rather than the hub's memory."""

    code = "SUBSCRIBER_TOO_SLOW"
    http_status = 503
    outcome = "error"


class TokenExpired(HubError):
    """The subscriber's token expired: the subscription ends, and a new one needs a new token."""

    code = "TOKEN_EXPIRED"
    http_status = 401
    outcome = "refused"


class Feed:
    def __init__(self, stream: EventStream, subscriber: Subscriber, loads: Loads, audit: AuditSink,
                 expires_at: float | None, *, replan: Callable[[Subscriber], Subscriber] | None = None,
                 digest: VariablesDigest | None = None, router: Router | None = None) -> None:
        self.stream = stream
        self.subscriber = subscriber
        self.loads = loads
        self.audit = audit
        #: the token's expiry, wall-clock seconds since the epoch (None: never)
        self.expires_at = expires_at
        #: the subscriber as the policy in force plans it (raising where it no longer permits them at all)
        self.replan = replan
        #: keys the digests of a subscription's document and variables in its deliveries' audit records
        self.digest = digest
        #: the process's router, sending only the events that may concern this subscriber (None: every event)
        self.router = router
        #: numbers this connection's subscriptions, so each delivery's record names the one it was sent on
        self._subscriptions = itertools.count(1)

    def operation(self, name: str | None, document: str, variables: Mapping[str, Any] | None) -> Operation:
        """The subscription's operation as its deliveries' audit records name it: digests, never the text."""
        if self.digest is None:
            return Operation(name, "subscription")
        return Operation(name, "subscription", self.digest.document(document), self.digest(variables))

    def current(self) -> Subscriber:
        """The subscriber as the agreements in force plan it, for the next delivery."""
        if self.replan is not None:
            self.subscriber = self.replan(self.subscriber)
        return self.subscriber

    def remaining(self) -> float | None:
        return None if self.expires_at is None else self.expires_at - time.time()

    def check(self) -> None:
        left = self.remaining()
        if left is not None and left <= 0:
            raise TokenExpired("the token has expired: subscribe again with a new one")

    async def deliveries(self, topic: str, *, since: datetime | None = None,
                         accept: Callable[[ChangeEvent], bool] = lambda _e: True,
                         selected: frozenset[str] | None = None, operation: Operation | None = None
                         ) -> AsyncIterator[Delivery]:
        """The topic's events delivered to this subscriber: ``selected`` names the event's fields asked for
        (None: all), ``operation`` the subscription for the audit records."""
        self.check()
        number = next(self._subscriptions)

        async def send(event: ChangeEvent) -> Delivery | None:
            self.check()
            subscriber = self.current()
            return await deliver(event, subscriber, self.loads, self.audit, selected=selected, operation=operation,
                                 request=f"{request_id(event, subscriber)}/{number}")

        def wanted(event: ChangeEvent) -> bool:
            # without a router every event comes: those that cannot concern the subscriber stop here, unjudged
            return event.kind.topic == topic and accept(event) and (
                self.router is not None or may_concern(event, self.current()))

        listening = self.router.join(topic, self.current) if self.router is not None else self.stream.listen()
        async with listening as queue:  # type: asyncio.Queue[ChangeEvent | None]
            # taken with the queue already listening: older events come from the replay, newer from the queue
            replayed = dict(self.stream.positions)
            if since is not None:
                moment = since if since.tzinfo else since.replace(tzinfo=UTC)
                text = moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
                for event in await self.stream.replay(text, replayed):
                    if wanted(event):
                        delivered = await send(event)
                        if delivered is not None:
                            yield delivered
            while True:
                try:
                    taken: ChangeEvent | None = await asyncio.wait_for(queue.get(), self.remaining())
                except TimeoutError:
                    self.check()
                    continue
                if taken is None:  # the router's mark: the queue is full
                    raise SubscriberTooSlow("events arrived faster than this subscription took them: subscribe "
                                            "again with `since` to resume")
                event = taken
                if event.row.position <= replayed.get(event.row.agency, 0) or not wanted(event):
                    continue
                delivered = await send(event)
                if delivered is not None:
                    yield delivered

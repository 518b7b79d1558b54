"""One subscriber's feed of one topic: a replay from the outboxes (``since``), then the live stream, each
event judged and audited for them on its way out; it ends when their token expires."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from hub.core.errors import HubError
from hub.events.delivery import AuditSink, Delivery, Loads, Subscriber, deliver
from hub.events.stream import ChangeEvent, EventStream


class TokenExpired(HubError):
    """The subscriber's token expired: the subscription ends, and a new one needs a new token."""

    code = "TOKEN_EXPIRED"
    http_status = 401
    outcome = "refused"


class Feed:
    def __init__(self, stream: EventStream, subscriber: Subscriber, loads: Loads, audit: AuditSink,
                 expires_at: float | None) -> None:
        self.stream = stream
        self.subscriber = subscriber
        self.loads = loads
        self.audit = audit
        #: the token's expiry, wall-clock seconds since the epoch (None: never)
        self.expires_at = expires_at

    def remaining(self) -> float | None:
        return None if self.expires_at is None else self.expires_at - time.time()

    def check(self) -> None:
        left = self.remaining()
        if left is not None and left <= 0:
            raise TokenExpired("the token has expired: subscribe again with a new one")

    async def deliveries(self, topic: str, *, since: datetime | None = None,
                         accept: Callable[[ChangeEvent], bool] = lambda _e: True) -> AsyncIterator[Delivery]:
        self.check()

        def wanted(event: ChangeEvent) -> bool:
            return event.kind.topic == topic and accept(event)

        async with self.stream.listen() as queue:
            # taken with the queue already listening: older events come from the replay, newer from the queue
            replayed = dict(self.stream.positions)
            if since is not None:
                moment = since if since.tzinfo else since.replace(tzinfo=UTC)
                text = moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
                for event in await self.stream.replay(text, replayed):
                    if wanted(event):
                        self.check()
                        delivered = await deliver(event, self.subscriber, self.loads, self.audit)
                        if delivered is not None:
                            yield delivered
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), self.remaining())
                except TimeoutError:
                    self.check()
                    continue
                if event.row.position <= replayed.get(event.row.agency, 0) or not wanted(event):
                    continue
                self.check()
                delivered = await deliver(event, self.subscriber, self.loads, self.audit)
                if delivered is not None:
                    yield delivered

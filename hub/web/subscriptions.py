"""GraphQL subscriptions over graphql-transport-ws, authenticated at ``connection_init``.

The ``connection_init`` payload carries what an HTTP request carries in headers: ``Authorization``
(``Bearer <token>``), ``X-Purpose-Of-Use`` and, where the purpose needs one, ``X-Justification``.
A bad token, a purpose the roles may not state or a missing justification closes the socket with the
protocol's 4403 (Forbidden), and the refusal is audited like a refused request. An accepted connection
holds the subscriber's planned access; each event is judged and audited as it is delivered
(hub/events/delivery.py), and the subscription ends when the token expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from audit.record import AuditEvent, Operation
from audit.sanitise import MAX_JUSTIFICATION, MAX_PURPOSE
from hub.core.errors import HubError, JustificationRequired, PurposeNotPermitted
from hub.core.settings import Settings
from hub.events.delivery import Loads, Subscriber
from hub.events.feed import Feed
from hub.events.router import ROUTABLE_TTL, Router
from hub.events.stream import EventStream
from hub.events.webhooks import WebhookSender, configured_endpoints
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from schema.governance.context import Caller, HubContext
from schema.governance.gate import DENY_ALL, Gate
from schema.governance.loaders import Loaders
from schema.graph.build import create_schema

if TYPE_CHECKING:
    from hub.web.governance import Governance


@dataclass
class SubscriptionContext(HubContext):
    #: the ``connection_init`` payload (Strawberry puts it here)
    connection_params: dict[str, Any] | None = None
    #: the subscriber's feed, once the connection is authenticated
    feed: Feed | None = None
    websocket: WebSocket | None = None


def _text(params: dict[str, Any], name: str, limit: int) -> str:
    for key, value in params.items():
        if key.lower() == name and isinstance(value, str):
            return value.strip()[:limit]
    return ""


class SubscriptionsView(GraphQL[SubscriptionContext, None]):
    def __init__(self, hub: Hub, settings: Settings, governance: Governance, stream: EventStream) -> None:
        super().__init__(create_schema(limits=settings.limits, introspection=settings.introspection),
                         subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                         connection_init_wait_timeout=timedelta(seconds=10))
        self.hub = hub
        self.governance = governance
        self.stream = stream
        self.loads = Loads(hub.agencies, hub.index)
        kinds = (k for d in hub.agencies.descriptors.values() if d.capture for k in d.capture.kinds)
        # routing indexes by the cached condition sets: with no cache worth the name there is nothing to index by
        self.router = (Router(stream, kinds, version=lambda: governance.policies.current().version)
                       if settings.caseload_ttl_seconds >= ROUTABLE_TTL else None)
        self.settings = settings
        self._senders: list[asyncio.Task[None]] = []
        self._webhooks: list[WebhookSender] = []

    async def start(self) -> None:
        """At start-up: change capture installed, and a sender for each configured webhook endpoint."""
        await self.stream.install_quietly()
        policy = self.governance.policies.current()
        for endpoint in configured_endpoints(self.settings, self.hub.agencies, policy):
            sender = WebhookSender(
                endpoint, self.stream, policy.plan((endpoint.role,), endpoint.purpose),
                CallerConditions(self.hub.index, self.hub.agencies, endpoint.agency, endpoint.client,
                                 self.hub.caseloads), policy.version, self.loads, self.governance.audit,
                replan=self._replan)
            self._webhooks.append(sender)
            self._senders.append(asyncio.create_task(sender.run(), name=f"webhook-{endpoint.name}"))

    async def stop(self) -> None:
        for task in self._senders:
            task.cancel()
        for task in self._senders:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for sender in self._webhooks:
            await sender.close()
        self._senders, self._webhooks = [], []
        if self.router is not None:
            await self.router.stop()
        await self.stream.stop()

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None = None
                          ) -> SubscriptionContext:
        return SubscriptionContext(people=self.hub.people, agencies=self.hub.agencies,
                                   loaders=Loaders.create(self.hub.people, self.hub.agencies, None),
                                   gate=Gate(DENY_ALL, None), counts=self.hub.counts,
                                   websocket=request if isinstance(request, WebSocket) else None)

    async def on_ws_connect(self, context: SubscriptionContext) -> dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        websocket = context.websocket
        await self.stream.start()  # the first subscriber starts the stream where no lifespan did
        auth = _text(params, "authorization", 8192)
        purpose = _text(params, "x-purpose-of-use", MAX_PURPOSE)
        justification = _text(params, "x-justification", MAX_JUSTIFICATION) or None
        gov = self.governance
        principal = None
        policy = gov.policies.current()
        try:
            principal = gov.authenticator.authenticate(auth or None)
            if not purpose:
                raise PurposeNotPermitted("X-Purpose-Of-Use is required in the connection_init payload")
            if not policy.purpose_permitted(principal.roles, purpose):
                raise PurposeNotPermitted(f"purpose {purpose!r} is not permitted for roles "
                                          f"{', '.join(principal.roles)}", purpose=purpose)
            if policy.justification_required(purpose) and not justification:
                raise JustificationRequired(f"purpose {purpose!r} needs X-Justification in the payload",
                                            purpose=purpose)
        except HubError as exc:
            await self._refused(exc, principal, purpose, justification, policy.version, websocket)
            raise ConnectionRejectionError({"code": exc.code, "message": exc.message}) from None
        plan = policy.plan(principal.roles, purpose)
        conditions = CallerConditions(self.hub.index, self.hub.agencies, principal.agency, principal.subject,
                                      self.hub.caseloads)
        connection = uuid.uuid4().hex
        subscriber = Subscriber(
            subject=principal.subject, kind=principal.kind, agency=principal.agency, roles=principal.roles,
            purpose=purpose, justification=justification, policy_version=policy.version, plan=plan,
            conditions=conditions, operation=Operation(None, "subscription"), connection_id=connection,
            source_address=websocket.client.host if websocket is not None and websocket.client else "",
            user_agent=(websocket.headers.get("user-agent", "") if websocket is not None else "")[:200])
        context.gate = Gate(plan, conditions)
        context.caller = Caller(subject=principal.subject, agency=principal.agency, roles=principal.roles,
                                purpose=purpose, justification=justification)
        context.feed = Feed(self.stream, subscriber, self.loads, gov.audit, _expiry(auth), replan=self._replan,
                            digest=gov.digest, router=self.router)
        return {"connection": connection}

    def _replan(self, subscriber: Subscriber) -> Subscriber:
        """The subscriber under the policy in force: planned again once a new version is published, and refused
        (ending the subscription) where it no longer permits their purpose."""
        policy = self.governance.policies.current()
        if policy.version == subscriber.policy_version:
            return subscriber
        if not policy.purpose_permitted(subscriber.roles, subscriber.purpose):
            raise PurposeNotPermitted(f"purpose {subscriber.purpose!r} is no longer permitted for roles "
                                      f"{', '.join(subscriber.roles)}", purpose=subscriber.purpose)
        if policy.justification_required(subscriber.purpose) and not subscriber.justification:
            raise JustificationRequired(f"purpose {subscriber.purpose!r} now needs X-Justification: subscribe again",
                                        purpose=subscriber.purpose)
        return replace(subscriber, plan=policy.plan(subscriber.roles, subscriber.purpose),
                       policy_version=policy.version)

    async def _refused(self, exc: HubError, principal: Any, purpose: str, justification: str | None,
                       policy_version: str, websocket: WebSocket | None) -> None:
        """The refusal's audit record, as a refused request leaves one (best effort: nothing is disclosed)."""
        with contextlib.suppress(Exception):
            await self.governance.audit.append(AuditEvent(
                occurred_at=datetime.now(UTC), trace_id="", request_id=uuid.uuid4().hex,
                actor_id=principal.subject if principal else "anonymous",
                actor_kind=principal.kind if principal else "anonymous", agency=principal.agency if principal else "",
                roles=principal.roles if principal else (),
                source_address=websocket.client.host if websocket is not None and websocket.client else "",
                user_agent=(websocket.headers.get("user-agent", "") if websocket is not None else "")[:200],
                purpose=purpose, justification=justification or "", legal_bases=(), clauses=(),
                operation_name="connection_init", operation_type="subscription", query_hash=None,
                variables_hash=None, subjects=(), disclosed={}, withheld={}, masked={}, outcome=exc.outcome,
                error_codes=(exc.code,), latency_ms=0.0, policy_version=policy_version))


def _expiry(authorization: str) -> float | None:
    """The verified token's ``exp`` (the authenticator has checked its signature already)."""
    token = authorization.split(" ", 1)[1] if " " in authorization else authorization
    claims = jwt.decode(token, options={"verify_signature": False})
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


__all__ = ["SubscriptionContext", "SubscriptionsView"]

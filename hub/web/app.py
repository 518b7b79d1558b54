"""Assembling the ASGI application: the whole request pipeline is visible here.

With governance on (the default), a GraphQL request passes, outermost first:

    RequestId -> Tracing -> Audit -> Caller -> BodyLimit -> GraphQL

so every request, even one refused for its token or its size, gets an id, a span and exactly one
audit record (naming the verified caller whenever the token was valid), and nothing reaches a
resolver without a verified caller, a permitted purpose and a plan of what that caller may see.
The caller is judged from headers alone, so an oversized body is still refused before it is read.
``governance=False`` (benchmarks, schema tests) keeps only the id and the GraphQL view: no policy,
audit or tracing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web import collector, graphiql
from hub.web.console.pages import routes as console_routes
from hub.web.cors import cors_middleware
from hub.web.graphql_view import HubGraphQL
from hub.web.request_id import RequestIdMiddleware
from hub.web.runtime import Hub

if TYPE_CHECKING:
    from hub.web.audit_sink import AuditSink
    from hub.web.governance import Governance
    from hub.web.subscriptions import SubscriptionsView
    from policies.store import PolicyStore


def create_app(settings: Settings, *, governance: bool = True, hub: Hub | None = None,
               policies: PolicyStore | None = None, audit: AuditSink | None = None,
               serving: bool = False) -> Starlette:
    """The hub as an ASGI app. ``serving``: this process exists to serve it, so once started it
    tunes the garbage collector for request traffic (hub/web/collector.py)."""
    running = hub or Hub.open(settings)
    gov = open_governance(settings, policies, audit) if governance else None
    if gov is not None:
        from hub.core import telemetry

        telemetry.instrument_engines(running.sql_engines())

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        checks = await running.readiness()
        if gov is not None:
            checks["audit"] = await gov.audit.health()
        ready = all(v is None for v in checks.values())
        body = {"status": "ready" if ready else "not ready",
                "checks": {k: ("ok" if v is None else f"failing: {v}") for k, v in checks.items()}}
        if circuits := running.circuits():  # agencies reached over their APIs (connectors/http)
            body["circuits"] = circuits
        return JSONResponse(body, status_code=200 if ready else 503)

    # No queries over GET: variables in a URL end up in access logs and proxies.
    graphql = HubGraphQL(running, settings, governance=gov, graphql_ide="graphiql", allow_queries_via_get=False)
    # events pushed to partners (hub/events/): subscriptions over a websocket, governed, so only with governance
    subscriptions = subscriptions_view(settings, running, gov) if gov is not None else None

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if gov is not None:
            # Fail fast (no audit store, no hub); then a signed, witnessed checkpoint every
            # HUB_AUDIT_CHECKPOINT_SECONDS while the trail grows, stopped when the store closes.
            (await gov.audit.store()).start_timer(settings.audit_checkpoint_seconds)
            if gov.sync is not None:
                await gov.sync.start()
            await gov.policies.start()
        if subscriptions is not None:
            # capture from now on, and webhooks; the stream itself is read once someone subscribes
            await subscriptions.start()
        if serving:
            collector.settle(settings.gc_threshold)
        try:
            yield
        finally:
            if subscriptions is not None:
                await subscriptions.stop()
            if gov is not None:
                await gov.policies.stop()
                if gov.sync is not None:
                    await gov.sync.stop()
                await gov.audit.close()  # flushes pending records, writes and witnesses a checkpoint
            await running.close()
            # Uvicorn re-raises SIGTERM once shut down, so the process never reaches its exit handlers:
            # the spans and metrics still batched must leave now or never.
            from hub.core import telemetry

            telemetry.flush()

    middleware = [*cors_middleware(settings), Middleware(RequestIdMiddleware),
                  *(governed_pipeline(settings, gov) if gov else [])]
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *([WebSocketRoute("/graphql", subscriptions)] if subscriptions is not None else []),
            *graphiql.ROUTES,
            # the IG console reads the trail through the API above, so only with governance on
            *(console_routes(settings) if gov is not None else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.hub = running
    app.state.governance = gov
    app.state.subscriptions = subscriptions
    return app


def open_governance(settings: Settings, policies: PolicyStore | None, audit: AuditSink | None) -> Governance:
    """Policy, authentication and audit: imported only when governance is on."""
    from audit.digest import load_digest
    from hub.core import telemetry
    from hub.web.audit_sink import AuditSink
    from hub.web.auth import Authenticator
    from hub.web.governance import Governance
    from policies.store import PolicyStore

    telemetry.configure()
    store = policies or PolicyStore.open(settings)
    sync = None
    if settings.policy_sync == "postgresql":
        from hub.core.db import is_sqlite
        from policies.pg_sync import PostgresPolicySync

        if is_sqlite(settings.index_url):
            raise ConfigurationError("HUB_POLICY_SYNC=postgresql needs the person index (HUB_INDEX_DB) on PostgreSQL")
        sync = PostgresPolicySync(store, settings.index_url)
    # Tokens are checked against the roles.csv in force, so a reloaded policy applies at once.
    authenticator = Authenticator.from_settings(settings, roles=lambda: store.current().agreements.roles)
    return Governance(policies=store, authenticator=authenticator,
                      audit=audit or AuditSink(settings), digest=load_digest(settings), sync=sync)


def subscriptions_view(settings: Settings, running: Hub, gov: Governance) -> SubscriptionsView:
    from hub.events.broker import JetStreamBus
    from hub.events.stream import event_stream
    from hub.web.subscriptions import SubscriptionsView

    bus = JetStreamBus(settings.events_broker) if settings.events_broker else None
    stream = event_stream(settings, running.agencies, running.index, bus=bus)
    return SubscriptionsView(running, settings, gov, stream)


def governed_pipeline(settings: Settings, gov: Governance) -> list[Middleware]:
    from hub.web.audit_middleware import AuditMiddleware
    from hub.web.body_limit import BodyLimitMiddleware
    from hub.web.caller import caller_middleware
    from hub.web.tracing_middleware import TracingMiddleware

    return [
        Middleware(TracingMiddleware),
        Middleware(AuditMiddleware, sink=gov.audit),
        # The caller is known (from headers alone) before the body is read or refused, so a 413 or a
        # batch over the limit is recorded against the verified actor, and no body is read for a
        # request without a valid token.
        caller_middleware(gov.authenticator, gov.policies.current),
        Middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_body_bytes, max_batch=settings.limits.max_batch),
    ]


def app_from_env() -> Starlette:
    """The uvicorn factory: each worker process builds its app from the environment."""
    from hub.core.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(production=settings.environment == "production")
    return create_app(settings, serving=True)

"""The agency service's ASGI app: its connector interface over HTTP, behind client-credentials tokens.

Routes: ``POST /v1/<method>`` per method of the interface (connectors/http/interface.py),
``POST /v1/health`` and, for an agency that captures changes, its change feed (``/v1/changes``...,
hub/agency_api/changes.py), all needing a bearer token from ``POST /oauth/token``; ``GET /openapi.json`` and
``GET /healthz`` (liveness, nothing of the data) need none. Answers to a refused or failed call are a
code only (``{"error": "invalid_token"}``): never a driver's message, a value or a key.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote_plus

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.agency_package import AgencyPackage
from connectors.http.interface import Endpoint, endpoints
from hub.agency_api.changes import Changes
from hub.agency_api.changes import routes as change_routes
from hub.agency_api.credentials import SCOPE, TOKEN_TTL_SECONDS, TokenIssuer, TokenRefused
from hub.agency_api.openapi import document
from hub.core.agency import Connector, SourceUnavailable
from hub.core.db import create_engine
from hub.core.settings import Settings

log = logging.getLogger("hub.agency_api")
#: keys and candidate lists of a whole partnership fit well within this
MAX_BODY_BYTES = 20_000_000

Handler = Callable[[Request], Awaitable[Response]]


def _error(code: str, status: int, **headers: str) -> JSONResponse:
    return JSONResponse({"error": code}, status_code=status, headers=headers or None)


def create_agency_app(settings: Settings, package: AgencyPackage, connector: Connector[Any] | None = None) -> Starlette:
    agency = package.agency
    running = connector or agency.connect(create_engine(settings.agency_url(agency.name)))
    issuer = TokenIssuer.from_settings(settings, agency.name)
    eps = endpoints(agency)
    db = getattr(running, "db", None)  # a connector over the agency's database (its SqlSource)
    changes = Changes(agency, db.engine) if agency.capture is not None and db is not None else None
    openapi = document(agency, eps, feed=changes is not None)

    def guarded(call: Handler) -> Handler:
        async def handle(request: Request) -> Response:
            try:
                issuer.verify(request.headers.get("authorization"))
            except TokenRefused as exc:
                log.info("%s API: token refused (%s)", agency.name, exc.reason)
                return _error("invalid_token", 401, **{"www-authenticate": 'Bearer error="invalid_token"'})
            try:
                return await call(request)
            except SourceUnavailable as exc:
                log.warning("%s API: database unavailable (%s)", agency.name, exc.failure)
                return _error("unavailable", 503)
        return handle

    def endpoint(ep: Endpoint) -> Handler:
        async def handle(request: Request) -> Response:
            raw = await request.body()
            if len(raw) > MAX_BODY_BYTES:
                return _error("too_large", 413)
            try:
                body = ep.body.model_validate_json(raw)
            except ValidationError:
                return _error("invalid_request", 400)
            try:
                result = await getattr(running, ep.method)(**dict(body))
            except ValueError:  # a field the agency cannot count, order or break down by
                return _error("unsupported", 400)
            return Response(ep.answer.dump_json(result), media_type="application/json")
        return handle

    async def health(_request: Request) -> Response:
        await running.health()
        return JSONResponse({"status": "ok"})

    async def token(request: Request) -> Response:
        form = await request.form()
        client_id, secret = _basic(request.headers.get("authorization"))
        if client_id is None:  # RFC 6749 also lets a client send them in the body
            client_id, secret = str(form.get("client_id") or ""), str(form.get("client_secret") or "")
        if form.get("grant_type") != "client_credentials":
            return _error("unsupported_grant_type", 400)
        if not issuer.client_matches(client_id, secret or ""):
            return _error("invalid_client", 401, **{"www-authenticate": "Basic"})
        scopes = str(form.get("scope") or SCOPE).split()
        if scopes != [SCOPE]:
            return _error("invalid_scope", 400)
        return JSONResponse({"access_token": issuer.issue(), "token_type": "Bearer",
                             "expires_in": TOKEN_TTL_SECONDS, "scope": SCOPE},
                            headers={"cache-control": "no-store"})

    async def openapi_json(_request: Request) -> Response:
        return JSONResponse(openapi)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if changes is not None:  # as the agency's system keeps its own change table
            await changes.install_quietly()
        try:
            yield
        finally:
            await running.close()

    routes = [Route(ep.path, guarded(endpoint(ep)), methods=["POST"]) for ep in eps.values()]
    routes += [Route("/v1/health", guarded(health), methods=["POST"]),
               Route("/oauth/token", token, methods=["POST"]),
               Route("/openapi.json", openapi_json), Route("/healthz", healthz)]
    if changes is not None:
        routes += change_routes(changes, guarded, MAX_BODY_BYTES)
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.connector = running
    return app


def _basic(header: str | None) -> tuple[str | None, str | None]:
    scheme, _, value = (header or "").strip().partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    client_id, _, secret = decoded.partition(":")
    # RFC 6749 2.3.1: both are form-urlencoded before Basic encoding
    return unquote_plus(client_id), unquote_plus(secret)

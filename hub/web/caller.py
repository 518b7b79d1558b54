"""Who is calling and why: bearer token, purpose of use and justification, before any GraphQL runs.

Starlette's ``AuthenticationMiddleware`` runs ``CallerBackend``: a missing token is 401; a bad token,
a purpose the caller's roles may not use, or a missing justification where the agreement needs one
is 403. A caller who passes becomes ``scope["user"]``, a ``VerifiedCaller`` carrying the planned
access for its roles and purpose; one refused after its token verified is put there too, without a
plan, so the audit record names the verified actor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from starlette.authentication import AuthCredentials, AuthenticationBackend, AuthenticationError, BaseUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response

from audit.sanitise import MAX_JUSTIFICATION, MAX_PURPOSE
from hub.core import telemetry
from hub.core.errors import HubError, JustificationRequired, PurposeNotPermitted
from hub.web.auth.principal import Principal
from hub.web.header_text import header_text
from hub.web.responses import error_response
from hub.web.state import VerifiedCaller, ide_page, request_state
from schema.governance.gate import Plan


class Authenticator(Protocol):
    def authenticate(self, authorization_header: str | None) -> Principal: ...


class Policy(Protocol):
    @property
    def version(self) -> str: ...
    def purpose_permitted(self, roles: tuple[str, ...], purpose: str) -> bool: ...
    def justification_required(self, purpose: str) -> bool: ...
    def plan(self, roles: tuple[str, ...], purpose: str) -> Plan: ...


class Refused(AuthenticationError):
    """The request is answered with ``error``; ``caller`` is who it was, if the token verified."""

    def __init__(self, error: HubError, caller: VerifiedCaller | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.caller = caller


class CallerBackend(AuthenticationBackend):
    def __init__(self, authenticator: Authenticator, policy: Callable[[], Policy], path: str = "/graphql") -> None:
        self.authenticator = authenticator
        self.policy = policy
        self.path = path

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        scope = conn.scope
        if scope["type"] != "http" or scope["path"] != self.path or ide_page(scope, self.path):
            return None  # health checks and the GraphiQL page: nothing to authorise
        headers = conn.headers
        try:
            principal = self.authenticator.authenticate(headers.get("authorization"))
        except HubError as exc:
            raise Refused(exc) from None
        policy = self.policy()
        purpose = header_text(headers, "x-purpose-of-use", MAX_PURPOSE)
        caller = VerifiedCaller(principal, purpose, header_text(headers, "x-justification", MAX_JUSTIFICATION) or None,
                                policy.version)
        roles = principal.roles
        try:
            if not purpose:
                raise PurposeNotPermitted("X-Purpose-Of-Use is required: state why you are asking")
            if not policy.purpose_permitted(roles, purpose):
                raise PurposeNotPermitted(f"purpose {purpose!r} is not permitted for roles {', '.join(roles)}",
                                          purpose=purpose)
            if policy.justification_required(purpose) and not caller.justification:
                raise JustificationRequired(f"purpose {purpose!r} needs an X-Justification header",
                                            purpose=purpose)
            with telemetry.span("policy.plan", {"hub.policy.version": policy.version, "hub.purpose": purpose,
                                                "hub.roles": list(roles)}):
                plan = policy.plan(roles, purpose)
        except HubError as exc:
            raise Refused(exc, caller) from None
        return AuthCredentials(list(roles)), replace(caller, plan=plan)


def refuse(conn: HTTPConnection, exc: AuthenticationError) -> Response:
    """Answer a refused caller, noting the refusal (and the verified caller, if any) for the audit record."""
    assert isinstance(exc, Refused), "the caller backend raises only Refused"
    state = request_state(conn.scope)
    if state is not None:
        state.refusal = exc.error
    if exc.caller is not None:
        conn.scope["user"] = exc.caller
    return error_response(exc.error)


def caller_middleware(authenticator: Authenticator, policy: Callable[[], Policy]) -> Middleware:
    return Middleware(AuthenticationMiddleware, backend=CallerBackend(authenticator, policy), on_error=refuse)

"""Who is calling and why: bearer token, purpose of use and justification, before any GraphQL runs.

A missing token is 401; a bad token, a purpose the caller's roles may not use, or a missing
justification where the agreement needs one is 403. The planned access for the caller's roles
and purpose is attached to the request for the GraphQL layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from audit.sanitise import MAX_JUSTIFICATION, MAX_PURPOSE
from hub.core import telemetry
from hub.core.errors import HubError, JustificationRequired, PurposeNotPermitted
from hub.web.header_text import header_text
from hub.web.responses import error_response
from hub.web.state import ide_page, request_state


class Authenticator(Protocol):
    def authenticate(self, authorization_header: str | None) -> Any: ...


class Policy(Protocol):
    @property
    def version(self) -> str: ...
    def purpose_permitted(self, roles: tuple[str, ...], purpose: str) -> bool: ...
    def justification_required(self, purpose: str) -> bool: ...
    def plan(self, roles: tuple[str, ...], purpose: str) -> Any: ...


class CallerMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator, policy: Callable[[], Policy],
                 path: str = "/graphql") -> None:
        self.app = app
        self.authenticator = authenticator
        self.policy = policy
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)
        if scope["type"] != "http" or scope["path"] != self.path or state is None or ide_page(scope, self.path):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        try:
            principal = self.authenticator.authenticate(headers.get("authorization"))
            state.principal = principal
            purpose = header_text(headers, "x-purpose-of-use", MAX_PURPOSE)
            justification = header_text(headers, "x-justification", MAX_JUSTIFICATION)
            state.justification = justification or None
            policy = self.policy()
            state.policy_version = policy.version
            roles = tuple(principal.roles)
            if not purpose:
                raise PurposeNotPermitted("X-Purpose-Of-Use is required: state why you are asking")
            state.purpose = purpose
            if not policy.purpose_permitted(roles, purpose):
                raise PurposeNotPermitted(f"purpose {purpose!r} is not permitted for roles {', '.join(roles)}",
                                          purpose=purpose)
            if policy.justification_required(purpose) and not justification:
                raise JustificationRequired(f"purpose {purpose!r} needs an X-Justification header",
                                            purpose=purpose)
            with telemetry.span("policy.plan", {"hub.policy.version": policy.version, "hub.purpose": purpose,
                                                "hub.roles": list(roles)}):
                scope["state"]["plan"] = policy.plan(roles, purpose)
        except HubError as exc:
            state.refusal_code = exc.code
            await error_response(exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)


"""What the request pipeline learns about one request, in one typed structure kept in the ASGI scope.

``RequestIdMiddleware`` puts a ``RequestState`` in the scope; every later stage reaches it with
``request_state(scope)``. Who is calling is Starlette's ``scope["user"]``: a ``VerifiedCaller``
once the token verified (hub/web/caller.py), read with ``verified_caller(scope)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.authentication import BaseUser
from starlette.datastructures import Headers
from starlette.types import Scope

from audit.record import Disclosure
from hub.core.errors import HubError, Outcome
from hub.web.auth.principal import Principal
from schema.governance.context import HubContext
from schema.governance.gate import Plan


@dataclass(frozen=True)
class VerifiedCaller(BaseUser):
    """A caller whose token verified, with the purpose and justification it gave.

    ``plan`` is what the caller may see for that purpose; None when the request was refused after the
    token verified (a purpose its roles may not use, a missing justification), so the refusal is
    still recorded against the verified actor.
    """

    principal: Principal
    purpose: str
    justification: str | None
    policy_version: str
    plan: Plan | None = None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.principal.subject

    @property
    def identity(self) -> str:
        return self.principal.subject


@dataclass(frozen=True)
class Executed:
    """One GraphQL operation as its audit record needs it."""

    disclosure: Disclosure
    #: the codes of its response's errors, in order, once each
    error_codes: tuple[str, ...] = ()
    #: the outcome each of those errors stands for (a hub error carries its own)
    error_outcomes: frozenset[Outcome] = frozenset()


@dataclass
class RequestState:
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    trace_id: str | None = None
    #: the error with which a stage answered the request itself (401, 403, 400, 413...)
    refusal: HubError | None = None
    #: one per GraphQL operation executed, in the order of the request (a batch has several)
    executed: list[Executed] = field(default_factory=list)
    #: each executed operation's context (by the id of its result) until its response is shaped
    contexts: dict[int, HubContext] = field(default_factory=dict)


def request_state(scope: Scope) -> RequestState | None:
    state: dict[str, Any] = scope.get("state", {})
    found = state.get("hub")
    return found if isinstance(found, RequestState) else None


def verified_caller(scope: Scope) -> VerifiedCaller | None:
    """The caller whose token verified, planned or refused; None for anyone else."""
    user = scope.get("user")
    return user if isinstance(user, VerifiedCaller) else None


def ide_page(scope: Scope, path: str = "/graphql") -> bool:
    """A browser loading GraphiQL: a page, not a query, so nothing to authorise, disclose or record.

    Only an exact ``GET /graphql`` with no query string at all is the page: any other request,
    however its query string is spelt or encoded, is authenticated and audited as a query.
    """
    if scope["method"] != "GET" or scope.get("query_string", b"") or scope["path"] != path:
        return False
    return "text/html" in Headers(scope=scope).get("accept", "")

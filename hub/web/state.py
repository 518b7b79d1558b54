"""What the request pipeline learns about one request, kept in the ASGI scope for later stages."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Scope

from audit.record import AggregateDisclosure, SubjectFields


@dataclass
class Disclosure:
    """What a GraphQL execution released and withheld: field names and person ids, never values."""

    operation_name: str | None = None
    operation_type: str | None = None
    query_hash: str | None = None
    variables_hash: str | None = None
    subjects: tuple[str, ...] = ()
    disclosed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)
    masked: dict[str, str] = field(default_factory=dict)
    clauses: tuple[str, ...] = ()
    legal_bases: tuple[str, ...] = ()
    error_codes: tuple[str, ...] = ()
    has_data: bool = False
    access: tuple[SubjectFields, ...] = ()
    aggregates: tuple[AggregateDisclosure, ...] = ()


@dataclass
class RequestState:
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    trace_id: str | None = None
    principal: Any = None
    purpose: str | None = None
    justification: str | None = None
    policy_version: str | None = None
    #: set by whichever stage answered the request itself (401, 403, 400, 413...)
    refusal_code: str | None = None
    #: one per GraphQL operation executed, in the order of the request (a batch has several)
    disclosures: list[Disclosure] = field(default_factory=list)


def request_state(scope: Scope) -> RequestState | None:
    state: dict[str, Any] = scope.get("state", {})
    found: RequestState | None = state.get("hub")
    return found


def ide_page(scope: Scope, path: str = "/graphql") -> bool:
    """A browser loading GraphiQL: a page, not a query, so nothing to authorise, disclose or record.

    Only an exact ``GET /graphql`` with no query string at all is the page: any other request,
    however its query string is spelt or encoded, is authenticated and audited as a query.
    """
    if scope["method"] != "GET" or scope.get("query_string", b"") or scope["path"] != path:
        return False
    return b"text/html" in dict(scope["headers"]).get(b"accept", b"")

"""Every GraphQL request leaves one audit record, durable before its response leaves.

The response is held back until the record is written. If the audit store cannot take it,
the caller gets 503 and none of the data: a disclosure that cannot be recorded is not made.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any, Protocol

from opentelemetry.trace import Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit.record import AuditEvent
from audit.sanitise import MAX_PURPOSE, MAX_USER_AGENT
from hub.core import telemetry
from hub.core.errors import AuditUnavailable
from hub.core.telemetry import instruments
from hub.web.header_text import header_text
from hub.web.responses import error_response
from hub.web.state import Disclosure, RequestState, ide_page, request_state

log = logging.getLogger("hub.audit")


class AuditSink(Protocol):
    async def append(self, event: AuditEvent) -> Any: ...


#: Codes that mean the hub declined to answer (policy, limits, registry), not that the input was bad.
REFUSALS = frozenset({
    "FILTER_NOT_PERMITTED", "AUDIT_ACCESS_DENIED", "FORBIDDEN", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES",
    "TOO_MANY_TOKENS", "QUERY_TOO_LARGE", "QUERY_TOO_COSTLY", "OPERATION_NOT_REGISTERED",
    "PERSISTED_QUERY_NOT_FOUND", "RESPONSE_TOO_LARGE", "PERSON_LEVEL_NOT_PERMITTED",
})


#: Codes that mean the request's own input was bad.
BAD_INPUT = frozenset({"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"})


def outcome_of(status: int, state: RequestState, d: Disclosure | None) -> str:
    if status == 401:
        return "unauthenticated"
    # Malformed: any other client error the hub answered without running a query (400, a method
    # other than GET or POST: 405, 413, 415...), or a query that disclosed nothing because its
    # input was bad. 403 is a refusal, below.
    bad_input = d is not None and not d.subjects and bool(BAD_INPUT & set(d.error_codes))
    if (400 <= status < 500 and status != 403) or bad_input:
        return "malformed"
    if status == 403 or (d is not None and REFUSALS & set(d.error_codes)):
        return "refused"
    if status >= 500 or (d is not None and {"INTERNAL_SERVER_ERROR", "QUERY_TIMEOUT", "CONNECTOR_UNAVAILABLE"}
                         & set(d.error_codes)):
        return "error"
    if d is not None and d.withheld:
        return "partial"
    return "ok"


def build_events(scope: Scope, state: RequestState, status: int) -> list[AuditEvent]:
    """One record per operation executed (a batch of two is two records), or one for a request that
    executed none (refused, malformed)."""
    if not state.disclosures:
        return [build_event(scope, state, status)]
    return [build_event(scope, state, status, d) for d in state.disclosures]


def build_event(scope: Scope, state: RequestState, status: int, found: Disclosure | None = None) -> AuditEvent:
    headers = Headers(scope=scope)
    client = scope.get("client")
    principal = state.principal
    d = found or Disclosure()
    codes = list(d.error_codes)
    if state.refusal_code:
        codes.insert(0, state.refusal_code)
    return AuditEvent(
        occurred_at=datetime.now(UTC),
        trace_id=state.trace_id or "",
        request_id=state.request_id,
        actor_id=getattr(principal, "subject", None) or "anonymous",
        actor_kind=getattr(principal, "kind", None) or "anonymous",
        agency=getattr(principal, "agency", None) or "",
        roles=tuple(getattr(principal, "roles", ()) or ()),
        source_address=client[0] if client else "",
        user_agent=header_text(headers, "user-agent", MAX_USER_AGENT),
        purpose=state.purpose or header_text(headers, "x-purpose-of-use", MAX_PURPOSE),
        justification=state.justification or "",
        legal_bases=d.legal_bases,
        clauses=d.clauses,
        operation_name=d.operation_name,
        operation_type=d.operation_type,
        query_hash=d.query_hash,
        variables_hash=d.variables_hash,
        subjects=d.subjects,
        disclosed=d.disclosed,
        withheld=d.withheld,
        masked=d.masked,
        outcome=outcome_of(status, state, found),
        error_codes=tuple(dict.fromkeys(codes)),
        latency_ms=round((time.perf_counter() - state.started) * 1000, 3),
        policy_version=state.policy_version or "",
        access=d.access,
        aggregates=d.aggregates,
    )


class AuditMiddleware:
    def __init__(self, app: ASGIApp, sink: AuditSink, path: str = "/graphql") -> None:
        self.app = app
        self.sink = sink
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = request_state(scope)
        if scope["type"] != "http" or scope["path"] != self.path or state is None or ide_page(scope, self.path):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            await self.app(scope, receive, hold)
        except Exception:
            await self._record(scope, state, 500)  # the error still propagates, recorded or not
            raise
        status = next((m["status"] for m in held if m["type"] == "http.response.start"), 500)
        if not await self._record(scope, state, status):
            await error_response(AuditUnavailable(
                "the audit trail cannot be written, so no data is released; try again later"
            ))(scope, receive, send)
            return
        for message in held:
            await send(message)

    async def _record(self, scope: Scope, state: RequestState, status: int) -> bool:
        for event in build_events(scope, state, status):
            if not await self._write(event, state):
                return False
        return True

    async def _write(self, event: AuditEvent, state: RequestState) -> bool:
        measures = instruments()
        started = time.perf_counter()
        with telemetry.span("audit.write", {"hub.outcome": event.outcome}) as span:
            try:
                seq = await self.sink.append(event)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                log.error("audit write failed; response withheld",
                          extra={"error_type": type(exc).__name__, "request_id": state.request_id})
                return False
            span.set_attribute("hub.audit.seq", seq)
        labels = {"operation": event.operation_name or "", "outcome": event.outcome}
        measures.audit_write_duration.record((time.perf_counter() - started) * 1000)
        measures.requests.add(1, labels)
        measures.request_duration.record(event.latency_ms, labels)
        for field_key, clause in event.withheld.items():
            measures.fields_withheld.add(1, {"field": field_key, "clause": clause})
        return True


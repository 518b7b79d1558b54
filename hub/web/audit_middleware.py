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

from audit.record import AuditEvent, Disclosure
from audit.sanitise import MAX_PURPOSE, MAX_USER_AGENT
from hub.core import telemetry
from hub.core.errors import AuditUnavailable, HubError, Outcome
from hub.core.telemetry import instruments
from hub.web.header_text import header_text
from hub.web.responses import error_response
from hub.web.state import Executed, RequestState, ide_page, request_state, verified_caller

log = logging.getLogger("hub.audit")


class AuditSink(Protocol):
    async def append(self, event: AuditEvent) -> Any: ...


def outcome_of(status: int, refusal: HubError | None, op: Executed | None) -> Outcome:
    """What became of a request (or of one operation of it), from its response: the one place this is decided.

    A stage that answered the request itself did so with an error that names its outcome. Any other
    client error before any operation ran (a body that is not JSON, a method other than GET or POST:
    400, 405, 415...) is malformed, a server error an error; a 400 for a document that failed parsing or
    validation (``application/graphql-response+json``) takes its errors' outcome like any operation.
    An executed operation's errors name theirs: bad input that disclosed no one is malformed, then a
    refusal, then a failure; a withheld field makes it partial.
    """
    if refusal is not None:
        return refusal.outcome
    if 400 <= status < 500 and op is None:
        return "malformed"
    if status >= 500:
        return "error"
    if op is None:
        return "ok"
    found = op.error_outcomes
    if "malformed" in found and not op.disclosure.subjects:
        return "malformed"
    for outcome in ("refused", "error", "partial"):
        if outcome in found:
            return outcome
    return "partial" if op.disclosure.withheld else "ok"


def build_events(scope: Scope, state: RequestState, status: int) -> list[AuditEvent]:
    """One record per operation executed (a batch of two is two records), or one for a request that
    executed none (refused, malformed)."""
    if not state.executed:
        return [build_event(scope, state, status)]
    return [build_event(scope, state, status, op) for op in state.executed]


def build_event(scope: Scope, state: RequestState, status: int, op: Executed | None = None) -> AuditEvent:
    headers = Headers(scope=scope)
    client = scope.get("client")
    caller = verified_caller(scope)
    principal = caller.principal if caller is not None else None
    d = op.disclosure if op is not None else Disclosure()
    codes = [state.refusal.code] if state.refusal is not None else []
    codes += op.error_codes if op is not None else ()
    return AuditEvent(
        occurred_at=datetime.now(UTC),
        trace_id=state.trace_id or "",
        request_id=state.request_id,
        actor_id=principal.subject if principal else "anonymous",
        actor_kind=principal.kind if principal else "anonymous",
        agency=principal.agency if principal else "",
        roles=principal.roles if principal else (),
        source_address=client[0] if client else "",
        user_agent=header_text(headers, "user-agent", MAX_USER_AGENT),
        purpose=caller.purpose if caller else header_text(headers, "x-purpose-of-use", MAX_PURPOSE),
        justification=(caller.justification if caller else None) or "",
        outcome=outcome_of(status, state.refusal, op),
        error_codes=tuple(dict.fromkeys(codes)),
        latency_ms=round((time.perf_counter() - state.started) * 1000, 3),
        policy_version=caller.policy_version if caller else "",
        **d.record_fields(),
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


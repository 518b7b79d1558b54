"""GraphQL over HTTP: Strawberry's ASGI view with the hub's context and response shaping."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from opentelemetry import trace
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from hub.errors import HubError, QueryTimeout
from hub.http.response_size import Encoded, ResponseTooLarge, encode
from hub.http.state import Disclosure, RequestState
from hub.persisted import OperationRegistry
from hub.runtime import Hub
from hub.services.access import AccessService
from hub.services.audit_review import AuditReview
from hub.services.caseload import CallerConditions
from hub.settings import Settings
from schema.build import Extension, create_schema
from schema.context import Caller, HubContext
from schema.errors import format_error, withheld_errors
from schema.extensions.operation import OperationRecorder
from schema.extensions.tracing import GraphQLTracing, ResolverSpans
from schema.gate import Gate
from schema.loaders import Loaders

if TYPE_CHECKING:
    from hub.governance import Governance


class HubGraphQL(GraphQL[HubContext, None]):
    def __init__(self, hub: Hub, settings: Settings, *, governance: Governance | None,
                 extensions: Sequence[Extension] = (), **kwargs: Any) -> None:
        limits = settings.limits
        traced: list[Extension] = [GraphQLTracing] if governance is not None else []
        if governance is not None and settings.trace_resolvers:
            traced.append(ResolverSpans)
        super().__init__(create_schema([OperationRecorder, *traced, *extensions], limits=limits,
                                       field_suggestions=settings.development,
                                       introspection=settings.introspection), **kwargs)
        self.max_first = limits.max_first
        self.tracer = trace.get_tracer("hub.graphql") if governance is not None else None
        self.timeout = limits.timeout_seconds
        self.max_response_bytes = limits.max_response_bytes
        self.registry = OperationRegistry.load(settings.persisted_operations,
                                               strict=settings.strict_persisted_operations)
        self.hub = hub
        self.governance = governance
        self.access = AccessService(governance.policies.current) if governance is not None else None
        self.audit = AuditReview(governance.audit.store) if governance is not None else None

    async def get_context(self, request: Request, response: Response | Any) -> HubContext:  # type: ignore[override]
        hub = self.hub
        state: RequestState | None = getattr(request.state, "hub", None)
        principal = state.principal if state else None
        caller = Caller()
        conditions = None
        if principal is not None:
            caller = Caller(subject=principal.subject, agency=principal.agency, roles=tuple(principal.roles),
                            purpose=state.purpose if state else None,
                            justification=state.justification if state else None)
            conditions = CallerConditions(hub.index, hub.agencies, principal.agency, principal.subject,
                                          hub.caseloads)
        plan = getattr(request.state, "plan", None) if self.governance is not None else None
        ctx = HubContext(
            people=hub.people,
            agencies=hub.agencies,
            loaders=Loaders.create(hub.people, hub.agencies, self.tracer),
            gate=Gate(plan, conditions),
            caller=caller,
            max_first=self.max_first,
            access=self.access,
            audit=self.audit,
        )
        request.state.hub_context = ctx
        return ctx

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Run one operation (its registered body if persisted) under the execution time limit."""
        data: GraphQLRequestData = kwargs["request_data"]
        try:
            query = self.registry.resolve(data.query, data.extensions)
        except HubError as refused:
            return ExecutionResult(data=None, errors=[GraphQLError(refused.message, original_error=refused)])
        if query != data.query:
            kwargs["request_data"] = replace(data, query=query)
        try:
            # The executor stops at the limit itself (schema/extensions/deadline.py); this backstop,
            # a second later, cancels an operation stuck waiting on something that never answers.
            return await asyncio.wait_for(super().execute_single(*args, **kwargs), self.timeout + 1)
        except TimeoutError:
            late = QueryTimeout(f"the operation did not finish within {self.timeout:g} seconds and was stopped")
            return ExecutionResult(data=None, errors=[GraphQLError(late.message, original_error=late)])

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        ctx: HubContext | None = getattr(request.state, "hub_context", None)
        state: RequestState | None = getattr(request.state, "hub", None)
        trace_id = state.trace_id if state else None
        response: dict[str, Any] = {"data": result.data}
        errors = [format_error(e, trace_id) for e in result.errors or []]
        if ctx is not None:
            errors += withheld_errors(ctx.gate.ledger, ctx.caller.roles, ctx.caller.purpose)
        if errors:
            response["errors"] = errors
        if trace_id:
            response["extensions"] = {"traceId": trace_id}
        encoded = encode(response)
        if len(encoded.text) > self.max_response_bytes:
            big = ResponseTooLarge(f"the response would exceed {self.max_response_bytes} bytes: ask for less",
                                   limit=self.max_response_bytes)
            refused = GraphQLError(big.message, original_error=big)
            result = ExecutionResult(data=None, errors=[refused])
            errors = [format_error(refused, trace_id)]
            encoded = encode({**response, "data": None, "errors": errors})
        if state is not None and ctx is not None:
            found = disclosure(ctx, result, errors)
            # A batch shares one context: its record covers every operation in it.
            state.disclosure = found if state.disclosure is None else merge(state.disclosure, found)
        return encoded  # type: ignore[return-value]

    def encode_json(self, data: object) -> str | bytes:
        return data.text if isinstance(data, Encoded) else super().encode_json(data)


def merge(before: Disclosure, after: Disclosure) -> Disclosure:
    def joined(a: str | None, b: str | None) -> str | None:
        return ",".join(x or "" for x in (a, b)) if a or b else None

    return replace(
        after,
        operation_name=joined(before.operation_name, after.operation_name),
        operation_type=joined(before.operation_type, after.operation_type),
        query_hash=joined(before.query_hash, after.query_hash),
        variables_hash=joined(before.variables_hash, after.variables_hash),
        error_codes=tuple(dict.fromkeys(before.error_codes + after.error_codes)),
        has_data=before.has_data or after.has_data,
    )


def disclosure(ctx: HubContext, result: ExecutionResult, errors: list[dict[str, Any]]) -> Disclosure:
    """What the audit record keeps of an execution: names of fields and people, never values."""
    ledger = ctx.gate.ledger
    op = ctx.extra.get("operation", {})
    return Disclosure(
        operation_name=op.get("name"),
        operation_type=op.get("type"),
        query_hash=op.get("query_hash"),
        variables_hash=op.get("variables_hash"),
        subjects=tuple(sorted(ledger.subjects)),
        disclosed={agency: tuple(sorted(keys)) for agency, keys in sorted(ledger.disclosed.items())},
        withheld={w.field_key: w.clause for w in ledger.withheld.values()},
        masked=dict(sorted(ledger.masked.items())),
        clauses=tuple(sorted(ledger.clauses)),
        legal_bases=tuple(sorted(ledger.legal_bases)),
        error_codes=tuple(dict.fromkeys(e.get("extensions", {}).get("code", "") for e in errors)),
        has_data=result.data is not None,
    )

"""GraphQL over HTTP: Strawberry's ASGI view with the hub's context and response shaping."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from graphql import GraphQLError
from opentelemetry import trace
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from audit.record import SubjectFields
from hub.core.errors import HubError, QueryTimeout, Unauthenticated
from hub.core.settings import Settings
from hub.services.access import AccessService
from hub.services.audit_review import AuditReview
from hub.services.caseload import CallerConditions
from hub.web.persisted import OperationRegistry
from hub.web.response_size import Encoded, ResponseTooLarge, encode
from hub.web.runtime import Hub
from hub.web.state import Disclosure, RequestState
from schema.governance.context import Caller, HubContext
from schema.governance.gate import DENY_ALL, Gate, Ledger, SubjectAccess
from schema.governance.loaders import Loaders
from schema.graph.build import Extension, create_schema
from schema.graph.errors import format_error, withheld_errors
from schema.graph.extensions.operation import OperationRecorder
from schema.graph.extensions.tracing import GraphQLTracing, ResolverSpans

if TYPE_CHECKING:
    from hub.web.governance import Governance


class HubGraphQL(GraphQL[HubContext, None]):
    #: after the time limit, how long an operation still waiting on an agency may take before it is cancelled
    BACKSTOP_SECONDS = 1.0

    def __init__(self, hub: Hub, settings: Settings, *, governance: Governance | None,
                 extensions: Sequence[Extension] = (), **kwargs: Any) -> None:
        limits = settings.limits
        traced: list[Extension] = [GraphQLTracing] if governance is not None else []
        if governance is not None and settings.trace_resolvers:
            traced.append(ResolverSpans)
        recorder = partial(OperationRecorder, digest=governance.digest if governance is not None else None)
        super().__init__(create_schema([recorder, *traced, *extensions], limits=limits,
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

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL only for the bare page (``hub.web.state.ide_page`` says the same to the pipeline):
        anything with a query string is a query, authenticated and audited."""
        return (request.method == "GET" and not request.query_params
                and "text/html" in request.headers.get("accept", ""))

    async def get_context(self, request: Request, response: Response | Any) -> HubContext:  # type: ignore[override]
        hub = self.hub
        state: RequestState | None = getattr(request.state, "hub", None)
        principal = state.principal if state else None
        plan = getattr(request.state, "plan", None)
        caller = Caller()
        conditions = None
        if principal is not None:
            caller = Caller(subject=principal.subject, agency=principal.agency, roles=tuple(principal.roles),
                            purpose=state.purpose if state else None,
                            justification=state.justification if state else None)
            conditions = CallerConditions(hub.index, hub.agencies, principal.agency, principal.subject,
                                          hub.caseloads)
        if self.governance is None:
            gate = Gate(None, conditions)
        elif principal is None or plan is None:
            # Fail closed: with governance on nothing runs without a verified caller and a plan.
            # (Only the GraphiQL page gets here, and it executes nothing; see execute_operation.)
            gate = Gate(DENY_ALL, None)
        else:
            gate = Gate(plan, conditions)
        ctx = HubContext(
            people=hub.people,
            agencies=hub.agencies,
            loaders=Loaders.create(hub.people, hub.agencies, self.tracer),
            gate=gate,
            caller=caller,
            max_first=self.max_first,
            access=self.access,
            audit=self.audit,
        )
        return ctx

    async def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        """Refuse to execute anything, with governance on, for a request without a verified caller and plan."""
        request: Request = kwargs["request"]
        if self.governance is not None:
            state: RequestState | None = getattr(request.state, "hub", None)
            if state is None or state.principal is None or getattr(request.state, "plan", None) is None:
                if state is not None:
                    state.refusal_code = Unauthenticated.code
                raise HTTPException(401, "an authenticated caller with a permitted purpose is required")
        return await super().execute_operation(*args, **kwargs)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Run one operation (its registered body if persisted) under the execution time limit.

        Each operation of a batch gets a context of its own (its own gate, ledger and loaders), so
        what one operation withheld or disclosed never shows in another's errors or audit record.
        """
        data: GraphQLRequestData = kwargs["request_data"]
        request: Request = kwargs["request"]
        shared: HubContext = kwargs["context"]
        ctx = shared
        if getattr(request.state, "context_taken", False):  # a later operation of a batch: a fresh context
            ctx = replace(shared, gate=Gate(shared.gate.plan, shared.gate.conditions),
                          loaders=Loaders.create(self.hub.people, self.hub.agencies, self.tracer), extra={})
        request.state.context_taken = True
        kwargs["context"] = ctx
        result = await self._execute(data, args, kwargs)
        _contexts(request)[id(result)] = ctx
        return result

    async def _execute(self, data: GraphQLRequestData, args: Any, kwargs: dict[str, Any]) -> ExecutionResult:
        try:
            query = self.registry.resolve(data.query, data.extensions)
        except HubError as refused:
            return ExecutionResult(data=None, errors=[GraphQLError(refused.message, original_error=refused)])
        if query != data.query:
            kwargs["request_data"] = replace(data, query=query)
        try:
            # The executor stops at the limit itself (schema/graph/extensions/deadline.py); this backstop,
            # a second later, cancels an operation stuck waiting on something that never answers.
            return await asyncio.wait_for(super().execute_single(*args, **kwargs), self.timeout + self.BACKSTOP_SECONDS)
        except TimeoutError:
            late = QueryTimeout(f"the operation did not finish within {self.timeout:g} seconds and was stopped")
            return ExecutionResult(data=None, errors=[GraphQLError(late.message, original_error=late)])

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        ctx = _contexts(request).pop(id(result), None)
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
            state.disclosures.append(disclosure(ctx, result, errors))
        return encoded  # type: ignore[return-value]

    def encode_json(self, data: object) -> str | bytes:
        return data.text if isinstance(data, Encoded) else super().encode_json(data)


def _contexts(request: Request) -> dict[int, HubContext]:
    """Each executed operation's context, by its result, until its response is shaped."""
    found: dict[int, HubContext] | None = getattr(request.state, "operation_contexts", None)
    if found is None:
        found = request.state.operation_contexts = {}
    return found


def disclosure(ctx: HubContext, result: ExecutionResult, errors: list[dict[str, Any]]) -> Disclosure:
    """What the audit record keeps of one operation: names of fields and people, never values."""
    ledger = ctx.gate.ledger
    if result.data is None:
        ledger = unreturned(ledger)
    op = ctx.extra.get("operation", {})
    return Disclosure(
        operation_name=op.get("name"),
        operation_type=op.get("type"),
        query_hash=op.get("query_hash"),
        variables_hash=op.get("variables_hash"),
        subjects=tuple(sorted(ledger.subjects)),
        disclosed={agency: tuple(sorted(keys)) for agency, keys in sorted(ledger.disclosed_by_owner().items())},
        withheld={w.field_key: w.clause for w in ledger.withheld.values()},
        masked=dict(sorted(ledger.masked_fields().items())),
        clauses=tuple(sorted(ledger.clauses)),
        legal_bases=tuple(sorted(ledger.legal_bases)),
        error_codes=tuple(dict.fromkeys(e.get("extensions", {}).get("code", "") for e in errors)),
        has_data=result.data is not None,
        access=access_entries(ledger.access),
        aggregates=tuple(ledger.aggregates),
    )


def unreturned(ledger: Ledger) -> Ledger:
    """The ledger of an operation whose answer was dropped whole (timed out, too large): what its
    resolvers released never left, so it was read (consulted), not disclosed, and no count left."""
    access = {person: SubjectAccess(consulted=a.consulted | a.disclosed | set(a.masked), withheld=dict(a.withheld))
              for person, a in ledger.access.items()}
    return Ledger(access=access, withheld=ledger.withheld, clauses=ledger.clauses, legal_bases=ledger.legal_bases)


def access_entries(access: dict[str, SubjectAccess]) -> tuple[SubjectFields, ...]:
    """Per-person access, people treated alike sharing one entry (a page is a few entries, not hundreds)."""
    groups: dict[tuple[frozenset[Any], ...], list[str]] = {}
    for person_id, a in access.items():
        if not (a.disclosed or a.masked or a.withheld):  # consulted only: most people of a searched page
            key = (_NONE, _NONE, _NONE, frozenset(a.consulted))
        else:
            key = (frozenset(a.disclosed), frozenset(a.masked.items()), frozenset(a.withheld.items()),
                   frozenset(a.consulted - a.disclosed - a.masked.keys()))
        groups.setdefault(key, []).append(person_id)
    return tuple(SubjectFields(tuple(sorted(people)), tuple(sorted(disclosed)), dict(sorted(masked)),
                               dict(sorted(withheld)), tuple(sorted(consulted)))
                 for (disclosed, masked, withheld, consulted), people in sorted(groups.items(), key=_first_person))


_NONE: frozenset[Any] = frozenset()


def _first_person(group: tuple[Any, list[str]]) -> str:
    return min(group[1])

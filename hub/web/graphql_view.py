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
from strawberry.types.execution import PreExecutionError

from hub.core.errors import HubError, Unauthenticated
from hub.core.settings import Settings
from hub.services.access import AccessService
from hub.services.audit_review import AuditReview
from hub.services.caseload import CallerConditions
from hub.web import graphiql
from hub.web.media_types import GRAPHQL_RESPONSE, response_media_type
from hub.web.persisted import OperationRegistry
from hub.web.response_size import Encoded, ResponseTooLarge, encode
from hub.web.runtime import Hub
from hub.web.shadow import Shadow
from hub.web.state import Executed, RequestState, request_state, verified_caller
from policies.decisions import AccessPlan
from schema.governance.context import Caller, HubContext
from schema.governance.gate import DENY_ALL, Gate
from schema.governance.loaders import Loaders
from schema.graph.annotations import response_extensions
from schema.graph.build import Extension, create_schema
from schema.graph.errors import error_outcome, format_error, withheld_errors
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
                                       backstop_seconds=self.BACKSTOP_SECONDS,
                                       field_suggestions=settings.development,
                                       introspection=settings.introspection), **kwargs)
        self.max_first = limits.max_first
        self.tracer = trace.get_tracer("hub.graphql") if governance is not None else None
        self.max_response_bytes = limits.max_response_bytes
        self.registry = OperationRegistry.load(settings.persisted_operations,
                                               strict=settings.strict_persisted_operations)
        self.hub = hub
        self.governance = governance
        self.access = AccessService(governance.policies.current) if governance is not None else None
        self.audit = AuditReview(governance.audit.store) if governance is not None else None
        self.shadow = Shadow.from_settings(settings) if governance is not None else None

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL only for the bare page (``hub.web.state.ide_page`` says the same to the pipeline):
        anything with a query string is a query, authenticated and audited."""
        return (request.method == "GET" and not request.query_params
                and "text/html" in request.headers.get("accept", ""))

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page()

    async def get_context(self, request: Request, response: Response | Any) -> HubContext:  # type: ignore[override]
        response.media_type = response_media_type(request.headers.get("accept"))
        hub = self.hub
        verified = verified_caller(request.scope)
        plan = verified.plan if verified is not None else None
        caller = Caller()
        conditions = None
        if verified is not None:
            principal = verified.principal
            caller = Caller(subject=principal.subject, agency=principal.agency, roles=principal.roles,
                            purpose=verified.purpose, justification=verified.justification)
            conditions = CallerConditions(hub.index, hub.agencies, principal.agency, principal.subject,
                                          hub.caseloads)
        if self.governance is None:
            gate = Gate(None, conditions)
        elif plan is None:
            # Fail closed: with governance on nothing runs without a verified caller and a plan.
            # (Only the GraphiQL page gets here, and it executes nothing; see execute_operation.)
            gate = Gate(DENY_ALL, None)
        else:
            gate = Gate(plan, conditions)
        return HubContext(
            people=hub.people,
            agencies=hub.agencies,
            loaders=Loaders.create(hub.people, hub.agencies, self.tracer),
            gate=gate,
            counts=hub.counts,
            caller=caller,
            max_first=self.max_first,
            access=self.access,
            audit=self.audit,
        )

    async def execute_operation(self, request: Request, request_adapter: Any,
                                request_data: GraphQLRequestData | list[GraphQLRequestData], context: HubContext,
                                root_value: None, sub_response: Any) -> Any:
        """Run each operation (its registered body if persisted) with a context of its own.

        With governance on, nothing runs for a request without a verified caller and plan. Each
        operation of a batch gets its own gate, ledger and loaders, so what one operation withheld or
        disclosed never shows in another's errors or audit record.
        """
        state = request_state(request.scope)
        if self.governance is not None:
            verified = verified_caller(request.scope)
            if verified is None or verified.plan is None:
                refused = Unauthenticated("an authenticated caller with a permitted purpose is required")
                if state is not None:
                    state.refusal = refused
                raise HTTPException(401, refused.message)
        run = partial(self._operation, state, request=request, request_adapter=request_adapter, root_value=root_value,
                      sub_response=sub_response)
        if isinstance(request_data, list):
            contexts = [context, *(self._fresh(context) for _ in request_data[1:])]
            return list(await asyncio.gather(*(run(data, ctx) for data, ctx in zip(request_data, contexts,
                                                                                    strict=True))))
        result = await run(request_data, context)
        if isinstance(result, PreExecutionError) and sub_response.media_type == GRAPHQL_RESPONSE:
            # GraphQL over HTTP: with this media type, a document that could not be parsed or validated
            # is a client error, and its response has no data entry.
            sub_response.status_code = 400
        return result

    def _fresh(self, shared: HubContext) -> HubContext:
        return replace(shared, gate=Gate(shared.gate.plan, shared.gate.conditions),
                       loaders=Loaders.create(self.hub.people, self.hub.agencies, self.tracer))

    async def _operation(self, state: RequestState | None, data: GraphQLRequestData, ctx: HubContext,
                         **view: Any) -> ExecutionResult:
        try:
            query = self.registry.resolve(data.query, data.extensions)
        except HubError as refused:
            result: object = ExecutionResult(data=None, errors=[GraphQLError(refused.message, original_error=refused)])
        else:
            if query != data.query:
                data = replace(data, query=query)
            result = await super().execute_operation(request_data=data, context=ctx, **view)
        if not isinstance(result, ExecutionResult):
            # One operation, no stream transport configured: one result. Anything else would leave the
            # audit record without its disclosure, so it is not sent.
            raise TypeError(f"one operation gave {type(result).__name__}, not an ExecutionResult")
        if state is not None:
            state.contexts[id(result)] = ctx  # until process_result shapes its response
        return result

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        state = request_state(request.scope)
        ctx = state.contexts.pop(id(result), None) if state is not None else None
        trace_id = state.trace_id if state else None
        response: dict[str, Any] = {} if self._without_data(request, result) else {"data": result.data}
        errors = [format_error(e, trace_id) for e in result.errors or []]
        if ctx is not None:
            errors += withheld_errors(ctx.gate.ledger, ctx.caller.roles, ctx.caller.purpose)
        if errors:
            response["errors"] = errors
        extensions = {"traceId": trace_id} if trace_id else {}
        if ctx is not None:
            extensions.update(response_extensions(ctx.gate))
        if extensions:
            response["extensions"] = extensions
        encoded = encode(response)
        if len(encoded.text) > self.max_response_bytes:
            big = ResponseTooLarge(f"the response would exceed {self.max_response_bytes} bytes: ask for less",
                                   limit=self.max_response_bytes)
            refused = GraphQLError(big.message, original_error=big)
            result = ExecutionResult(data=None, errors=[refused])
            errors = [format_error(refused, trace_id)]
            encoded = encode({"data": None, "errors": errors, **({"extensions": {"traceId": trace_id}} if trace_id
                                                                 else {})})
        if self.shadow is not None and ctx is not None and isinstance(ctx.gate.plan, AccessPlan):
            self.shadow.observe(ctx.gate.plan, ctx.caller, ctx.gate.ledger, trace_id)
        if state is not None and ctx is not None:
            state.executed.append(Executed(
                # An answer dropped whole (timed out, too large) disclosed nothing: what it read was consulted.
                disclosure=ctx.gate.ledger.disclosure(ctx.gate.owner_of, returned=result.data is not None),
                error_codes=tuple(dict.fromkeys(e.get("extensions", {}).get("code", "") for e in errors)),
                error_outcomes=frozenset(error_outcome(e) for e in result.errors or []),
            ))
        return encoded  # type: ignore[return-value]

    @staticmethod
    def _without_data(request: Request, result: ExecutionResult) -> bool:
        """No data entry for a document that never reached execution, where the media type says so."""
        return isinstance(result, PreExecutionError) and \
            response_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        return response

    def encode_json(self, data: object) -> str | bytes:
        return data.text if isinstance(data, Encoded) else super().encode_json(data)

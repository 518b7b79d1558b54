"""Spans for each GraphQL phase: operation, parse, validate, execute.

Attributes are the operation's name and type and counts; never the document's arguments or
variables (they may hold identifiers), never a value from the result.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLResolveInfo
from opentelemetry import trace
from strawberry.extensions import SchemaExtension
from strawberry.utils.await_maybe import await_maybe

from connectors.registry import AGENCIES
from hub.core import telemetry

TRACER = "hub.graphql"


_tracer = trace.get_tracer(TRACER)


class GraphQLTracing(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        with telemetry.span("graphql.operation", within=_tracer) as span:
            yield
            ctx = self.execution_context
            span.set_attribute("graphql.operation.name", (ctx.operation_name or "")[:100])
            with contextlib.suppress(RuntimeError):  # a document that never parsed has no operation type
                span.set_attribute("graphql.operation.type", ctx.operation_type.value)
            errors = ctx.pre_execution_errors or (ctx.result.errors if ctx.result else None) or []
            span.set_attribute("graphql.errors", len(errors))

    def on_parse(self) -> Iterator[None]:
        with telemetry.span("graphql.parse", within=_tracer):
            yield

    def on_validate(self) -> Iterator[None]:
        with telemetry.span("graphql.validate", within=_tracer):
            yield

    def on_execute(self) -> Iterator[None]:
        with telemetry.span("graphql.execute", within=_tracer):
            yield


#: Types holding agency data: each of their resolvers gets a span when resolver spans are asked for.
AGENCY_TYPES = frozenset({"Person", "Identifiers", "IntelligenceReport", *(a.agency.record_type for a in AGENCIES)})


class ResolverSpans(SchemaExtension):
    """A span per resolver of agency data (``HUB_TRACE_RESOLVERS=true``), for chasing one slow query.

    Off by default: a 200-person page resolves thousands of fields, and a hook on every field costs
    even when it does nothing (about 12% in ../shared/PERFORMANCE.md). Span names and attributes are
    the type, field and response path without list indices: never a value or an argument.
    """

    async def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], *args: Any,
                      **kwargs: Any) -> Any:
        parent = info.parent_type.name
        if parent not in AGENCY_TYPES:
            return await await_maybe(_next(root, info, *args, **kwargs))
        path = ".".join(str(k) for k in info.path.as_list() if isinstance(k, str))
        with telemetry.span(f"resolve {parent}.{info.field_name}", {"graphql.field.path": path},
                            within=_tracer):
            return await await_maybe(_next(root, info, *args, **kwargs))

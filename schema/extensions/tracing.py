"""Spans for each GraphQL phase: operation, parse, validate, execute.

Attributes are the operation's name and type and counts; never the document's arguments or
variables (they may hold identifiers), never a value from the result.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import trace
from strawberry.extensions import SchemaExtension

from hub import telemetry

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

"""Assembling the Strawberry schema and its SDL."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLUnionType,
    get_nullable_type,
)
from strawberry.extensions import DisableIntrospection, ParserCache, SchemaExtension, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from connectors.registry import AGENCIES
from hub.core.settings import QueryLimits
from schema.governance.strawberry_adapter import (
    call_directly,
    graphql_schema,
    index_enum_names,
    read_attributes_directly,
)
from schema.graph.descriptions import describe
from schema.graph.errors import as_hub_error
from schema.graph.extensions.deadline import deadline_executor, timed_out
from schema.graph.extensions.guards import QueryGuards, guards
from schema.graph.federation import SubgraphSchema, describe_federation, standalone_sdl
from schema.graph.query import AccessQuery, AuditQuery, CountsQuery, Query
from schema.graph.scalars import SCALARS
from schema.graph.subscriptions import Subscription

log = logging.getLogger("hub.graphql")

SDL_PATH = Path(__file__).parents[1] / "schema.graphql"
#: An unexpected error is logged as one; an agency that did not answer as a warning; the rest (the
#: caller's own mistakes, withheld fields) as information.
LOG_LEVELS = {"INTERNAL_SERVER_ERROR": logging.ERROR, "CONNECTOR_UNAVAILABLE": logging.WARNING}


Extension = type[SchemaExtension] | Callable[[], SchemaExtension]

#: The root type: people and records; the agreements as they apply to the caller; the audit trail for IG.
RootQuery = merge_types("Query", (Query, CountsQuery, AccessQuery, AuditQuery))


class HubSchema(SubgraphSchema):  # also an Apollo Federation subgraph (schema/graph/federation.py)
    #: the execution time limit (None: none), and how much longer an operation may wait on something
    #: before it is cancelled
    timeout: float | None = None
    backstop_seconds: float = 1.0

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Run one operation; past the backstop, cancel it and answer QUERY_TIMEOUT alone.

        The executor stops at the time limit itself (schema/graph/extensions/deadline.py); the backstop,
        a little later, cancels an operation stuck waiting on something that never answers.
        """
        if self.timeout is None:
            return await super().execute(*args, **kwargs)
        try:
            return await asyncio.wait_for(super().execute(*args, **kwargs), self.timeout + self.backstop_seconds)
        except TimeoutError:
            late = timed_out(self.timeout)
            return ExecutionResult(data=None, errors=[GraphQLError(late.message, original_error=late)])

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log each error's kind and path only: messages and tracebacks may carry values."""
        for error in errors:
            original = error.original_error
            known = as_hub_error(original)
            code = known.code if known else "GRAPHQL_VALIDATION_FAILED" if original is None else "INTERNAL_SERVER_ERROR"
            level = LOG_LEVELS.get(code, logging.INFO)
            log.log(level, "graphql error", extra={"code": code, "path": list(error.path or []),
                                                   "error_type": type(original).__name__ if original else None,
                                                   **({"agency": known.extensions.get("agency")} if known else {})})


def create_schema(extensions: Sequence[Extension] = (), *, limits: QueryLimits | None = None,
                  backstop_seconds: float = 1.0, field_suggestions: bool = True,
                  introspection: bool = True) -> strawberry.Schema:
    """The schema; with ``limits``, query guards, the execution time limit (schema/graph/extensions/deadline.py)
    with its backstop ``backstop_seconds`` later, and batching up to ``limits.max_batch`` operations."""
    # Parse and validate each distinct document once: partner systems repeat the same operations,
    # and validation alone costs milliseconds. Guards run after validation's cache has answered.
    extra: list[Extension] = [lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512)]
    guard: type[QueryGuards] | None = None
    if limits is not None:
        guard = guards(limits, frozenset())
        extra.append(guard)
    if not introspection:
        extra.append(DisableIntrospection)
    config = StrawberryConfig(
        disable_field_suggestions=not field_suggestions,
        batching_config={"max_operations": limits.max_batch} if limits is not None else None,
        scalar_map=SCALARS,
    )
    built = HubSchema(query=RootQuery, subscription=Subscription, extensions=[*extra, *extensions], config=config,
                      execution_context_class=deadline_executor(limits.timeout_seconds) if limits else None)
    describe(graphql_schema(built))
    describe_federation(graphql_schema(built))
    index_enum_names(graphql_schema(built))
    # The governed resolvers of a person and their records, which a page calls hundreds of times each.
    call_directly(graphql_schema(built), ("Person", *(a.agency.record_type for a in AGENCIES)))
    read_attributes_directly(graphql_schema(built))
    if limits is not None:
        built.timeout, built.backstop_seconds = limits.timeout_seconds, backstop_seconds
    if guard is not None:
        guard.list_fields = list_fields(built)
        guard.introspection_lists = introspection_lists(built)
    return built


def list_fields(built: strawberry.Schema) -> frozenset[str]:
    """Names of fields returning lists of records (a connection's ``edges`` is sized by ``first``)."""
    names = set()
    for gql_type in graphql_schema(built).type_map.values():
        if isinstance(gql_type, GraphQLObjectType) and not gql_type.name.startswith("__"):
            for name, f in gql_type.fields.items():
                if isinstance(get_nullable_type(f.type), GraphQLList) and name != "edges":
                    names.add(name)
    return frozenset(names)


def introspection_lists(built: strawberry.Schema) -> dict[str, int]:
    """Items per parent of each introspection list, on average over this schema (at least 1).

    ``types`` and ``directives`` are whole lists; the rest hang off each type, field or directive,
    and a query reaching them through ``types`` meets every type, so the average is what it pays."""
    schema = graphql_schema(built)
    types = list(schema.type_map.values())
    fields = [f for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType) for f in t.fields.values()]
    directives = list(schema.directives)

    def per(total: int, parents: int) -> int:
        return max(1, math.ceil(total / max(1, parents)))

    return {
        "types": len(types),
        "directives": len(directives),
        "fields": per(len(fields), len(types)),
        "inputFields": per(sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType)), len(types)),
        "enumValues": per(sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)), len(types)),
        "interfaces": per(sum(len(t.interfaces) for t in types
                              if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)), len(types)),
        "possibleTypes": per(sum(len(t.types) for t in types if isinstance(t, GraphQLUnionType))
                             + sum(len(schema.get_possible_types(t)) for t in types
                                   if isinstance(t, GraphQLInterfaceType)), len(types)),
        "args": per(sum(len(f.args) for f in fields) + sum(len(d.args) for d in directives),
                    len(fields) + len(directives)),
        "locations": per(sum(len(d.locations) for d in directives), len(directives)),
    }


def sdl() -> str:
    return standalone_sdl(create_schema().as_str())


if __name__ == "__main__":  # python -m schema.graph.build > schema/schema.graphql
    print(sdl(), end="")

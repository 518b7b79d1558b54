"""The one place the hub reaches past Strawberry's public API.

Strawberry's ``Info`` does not expose graphql-core's resolve info (field nodes, fragments, the response
path object), which per-field governance needs to read a selection once per field node; nor does
``strawberry.Schema`` expose the graphql-core schema it built. Both are read here and nowhere else, as
are the two speed-ups made to the built schema (resolvers called without Strawberry's wrapper, enum
names looked up); tests/schema/test_strawberry_adapter.py pins the behaviour relied on, so an upgrade
that changes it fails there rather than in governance.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.types import Info


def resolve_info(info: Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind a Strawberry ``Info`` (or itself, for a resolver called directly:
    see :func:`call_directly`)."""
    raw: GraphQLResolveInfo[Any] = info._raw_info if isinstance(info, Info) else info
    return raw


def call_directly(schema: GraphQLSchema, type_names: Collection[str]) -> int:
    """Let graphql-core call the resolvers ``resolver(self, info)`` of these types itself; returns how many.

    Strawberry wraps every resolver in a function that builds an ``Info``, converts arguments and chains
    field extensions: on a 200-person page that was some 18,000 calls for the hub's ~1,400 governed record
    and scalar resolvers (cProfile, bench cohort), which take no arguments and have no extensions. Such a
    resolver gets graphql-core's resolve info itself: it has the same ``context``, ``field_name`` and
    ``path``, and :func:`resolve_info` returns it as it is. Schema extensions' ``resolve`` hooks still wrap
    the resolver (graphql-core applies them to whatever resolver a field has).
    """
    count = 0
    for name in type_names:
        named = schema.get_type(name)
        if not isinstance(named, GraphQLObjectType):
            raise ValueError(f"{name} is not an object type of this schema")
        for field in named.fields.values():
            definition: Any = (field.extensions or {}).get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            if resolver is None or definition.extensions or field.args or resolver.is_async:
                continue
            func = resolver.wrapped_func
            if list(inspect.signature(func).parameters) != ["self", "info"]:
                continue
            field.resolve = _direct(func)
            count += 1
    return count


def read_attributes_directly(schema: GraphQLSchema) -> int:
    """Resolve every plain field (no resolver, no extension) as the attribute it names; returns how many.

    Strawberry resolves such a field through three calls of its own before ``getattr`` (some 7,000 a
    200-person page; cProfile, bench cohort). These fields only read a value already built and released
    by a governed resolver above them, so one call does.
    """
    count = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            definition: Any = (field.extensions or {}).get("strawberry-definition")
            if (definition is None or definition.base_resolver is not None or definition.extensions
                    or definition.default_resolver is not getattr):
                continue
            field.resolve = _attribute(definition.python_name)
            count += 1
    return count


def _attribute(name: str) -> Callable[..., Any]:
    def resolve(source: Any, _info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, name)

    return resolve


def _direct(func: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return func(source, info)

    return resolve


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built."""
    built: GraphQLSchema = schema._schema
    return built


def index_enum_names(schema: GraphQLSchema) -> int:
    """Serialise Python enum members by one dictionary lookup; returns how many enum types it indexed.

    Strawberry's enum type finds a member's GraphQL name by comparing ``member.value`` with each value in
    turn, a Python property call per comparison: on a 200-person page that was some 3,000 calls (cProfile,
    bench cohort). The names are fixed once the schema is built, so they are looked up instead. Anything
    but a member of the type's own enum still goes through Strawberry's own coercion.
    """
    indexed = 0
    for named in schema.type_map.values():
        wrapped = getattr(named, "wrapped_cls", None)
        if not isinstance(named, GraphQLEnumType) or not (isinstance(wrapped, type) and issubclass(wrapped, Enum)):
            continue
        by_value = {value.value: name for name, value in named.values.items()}
        members: list[Enum] = list(wrapped.__members__.values())
        names = {member: by_value[member.value] for member in members if member.value in by_value}
        fallback = named.coerce_output_value

        def coerce(output_value: Any, names: dict[Enum, str] = names, fallback: Any = fallback) -> Any:
            name = names.get(output_value) if isinstance(output_value, Enum) else None
            return name if name is not None else fallback(output_value)

        named.coerce_output_value = coerce  # type: ignore[method-assign]
        named.serialize = coerce  # type: ignore[method-assign]
        indexed += 1
    return indexed

"""Pins what the hub reads past Strawberry's public API (schema/governance/strawberry_adapter.py)."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLObjectType
from strawberry.types import Info

from schema.governance.strawberry_adapter import (
    call_directly,
    graphql_schema,
    index_enum_names,
    read_attributes_directly,
    resolve_info,
)

seen: dict[str, Any] = {}


@strawberry.type
class Item:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def item(self, info: Info[Any, Any], v: bool = False) -> Item:
        raw = resolve_info(info)
        seen["field"] = raw.field_nodes[0].name.value
        seen["selection"] = [s.name.value for s in raw.field_nodes[0].selection_set.selections]  # type: ignore[union-attr]
        seen["fragments"] = sorted(raw.fragments)
        seen["key"] = raw.path.key
        seen["variables"] = raw.variable_values
        return Item(name="x")


def test_resolve_info_is_graphql_cores_with_nodes_fragments_path_and_variables() -> None:
    schema = strawberry.Schema(query=Query)
    result = schema.execute_sync("query Q($v: Boolean) { renamed: item(v: $v) { ...F } } fragment F on Item { name }",
                                 variable_values={"v": True})
    assert result.errors is None
    assert result.data == {"renamed": {"name": "x"}}
    assert seen == {"field": "item", "selection": ["F"], "fragments": ["F"], "key": "renamed",
                    "variables": {"v": True}}


def test_graphql_schema_is_the_built_graphql_core_schema() -> None:
    schema = strawberry.Schema(query=Query)
    built = graphql_schema(schema)
    query_type = built.get_type("Query")
    assert isinstance(query_type, GraphQLObjectType)
    assert set(query_type.fields) == {"item"}
    assert built.get_type("Item") is not None


@strawberry.type
class ContextQuery:
    @strawberry.field
    def given(self, info: Info[Any, Any]) -> str:
        return str(info.context["given"])


class _Post:
    method = "POST"


async def test_the_views_execute_operation_runs_one_operation_with_the_context_given() -> None:
    """hub.web.graphql_view gives each operation of a batch its own context by calling the view's
    ``execute_operation`` once per operation: one operation in, one ``ExecutionResult`` out."""
    from strawberry.asgi import GraphQL
    from strawberry.http import GraphQLRequestData
    from strawberry.types import ExecutionResult

    view: GraphQL[Any, None] = GraphQL(strawberry.Schema(query=ContextQuery))
    result = await view.execute_operation(request=None, request_adapter=_Post(),  # type: ignore[arg-type]
                                          request_data=GraphQLRequestData(query="{ given }", variables=None,
                                                                          operation_name=None, extensions=None),
                                          context={"given": "mine"}, root_value=None,
                                          sub_response=None)  # type: ignore[arg-type]
    assert isinstance(result, ExecutionResult) and result.errors is None and result.data == {"given": "mine"}


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


strawberry.enum(Shade)


@strawberry.type
class EnumQuery:
    @strawberry.field
    def shades(self) -> list[Shade]:
        return [Shade.DARK, Shade.LIGHT]

    @strawberry.field
    def raw(self) -> Shade | None:
        stored: Any = "dark"  # a stored value, as a record might hold it
        return stored  # type: ignore[no-any-return]

    @strawberry.field
    def wrong(self) -> Shade | None:
        stored: Any = "dusk"
        return stored  # type: ignore[no-any-return]


def test_indexed_enum_names_serialise_as_strawberry_does() -> None:
    plain, indexed = strawberry.Schema(query=EnumQuery), strawberry.Schema(query=EnumQuery)
    assert index_enum_names(graphql_schema(indexed)) >= 1
    enum_type = graphql_schema(indexed).get_type("Shade")
    assert isinstance(enum_type, GraphQLEnumType)
    assert enum_type.coerce_output_value(Shade.DARK) == "DARK"
    query = "{ shades raw wrong }"
    expected, got = plain.execute_sync(query), indexed.execute_sync(query)
    assert got.data == expected.data == {"shades": ["DARK", "LIGHT"], "raw": "DARK", "wrong": None}
    assert [e.message for e in got.errors or []] == [e.message for e in expected.errors or []] != []


@strawberry.type
class Holder:
    tag: strawberry.Private[str]
    plain_value: str = strawberry.field(name="plain")

    @strawberry.field
    def label(self, info: Info[Any, Any]) -> str:
        raw = resolve_info(info)
        return f"{self.tag}:{info.field_name}:{raw.path.key}:{info.context['given']}"

    @strawberry.field
    def repeated(self, info: Info[Any, Any], times: int = 1) -> str:
        return self.tag * times


@strawberry.type
class HolderQuery:
    @strawberry.field
    def holder(self) -> Holder:
        return Holder(tag="t", plain_value="p")


def test_resolvers_called_directly_answer_as_through_strawberry() -> None:
    plain, direct = strawberry.Schema(query=HolderQuery), strawberry.Schema(query=HolderQuery)
    assert call_directly(graphql_schema(direct), ["Holder"]) == 1, "only the argument-less (self, info) resolver"
    assert read_attributes_directly(graphql_schema(direct)) == 1, "the one plain field"
    holder = graphql_schema(direct).get_type("Holder")
    assert isinstance(holder, GraphQLObjectType)
    resolvers = {name: getattr(f.resolve, "__qualname__", "") for name, f in holder.fields.items()}
    assert resolvers["label"].startswith("_direct") and "from_resolver" in resolvers["repeated"]
    assert resolvers["plain"].startswith("_attribute")
    query = "{ holder { label renamed: label repeated(times: 2) plain } }"
    expected = plain.execute_sync(query, context_value={"given": "c"})
    got = direct.execute_sync(query, context_value={"given": "c"})
    assert got.errors is None
    assert got.data == expected.data == {"holder": {"label": "t:label:label:c", "renamed": "t:label:renamed:c",
                                                    "repeated": "tt", "plain": "p"}}

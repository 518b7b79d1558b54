"""Pins what the hub reads past Strawberry's public API (schema/governance/strawberry_adapter.py)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.types import Info

from schema.governance.strawberry_adapter import graphql_schema, resolve_info

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

"""The one place the hub reaches past Strawberry's public API.

Strawberry's ``Info`` does not expose graphql-core's resolve info (field nodes, fragments, the response
path object), which per-field governance needs to read a selection once per field node; nor does
``strawberry.Schema`` expose the graphql-core schema it built. Both are read here and nowhere else;
tests/schema/test_strawberry_adapter.py pins the behaviour relied on, so an upgrade that changes it
fails there rather than in governance.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLResolveInfo, GraphQLSchema
from strawberry.types import Info


def resolve_info(info: Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind a Strawberry ``Info``."""
    raw: GraphQLResolveInfo[Any] = info._raw_info
    return raw


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema Strawberry built."""
    built: GraphQLSchema = schema._schema
    return built

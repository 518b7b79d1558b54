"""The GraphQL type of every field, read from the published SDL (schema/schema.graphql).

``hub policy check`` needs each catalogued field's type to tell whether a mask's transform can
apply to it. The policies package never imports the schema package (lint-imports); the SDL is
the schema's published contract, kept current by a test, so it is read here as a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from types import MappingProxyType

from graphql import GraphQLInterfaceType, GraphQLObjectType, build_schema, get_nullable_type


def sdl_path() -> Path:
    spec = find_spec("schema")  # locates the package without importing it
    assert spec is not None and spec.submodule_search_locations, "the schema package is installed with the hub"
    return Path(next(iter(spec.submodule_search_locations))) / "schema.graphql"


@cache
def field_types() -> Mapping[str, str]:
    """``Type.field`` -> its type as the SDL writes it for a nullable field (``String``, ``[Arrest!]``)."""
    schema = build_schema(sdl_path().read_text())
    out: dict[str, str] = {}
    for name, named in schema.type_map.items():
        if name.startswith("__") or not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, f in named.fields.items():
            out[f"{name}.{field_name}"] = str(get_nullable_type(f.type))
    return MappingProxyType(out)

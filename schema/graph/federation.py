"""The hub as an Apollo Federation v2 subgraph: ``Person`` is an entity keyed by its hub person id.

A partner's router (Apollo Router or Gateway) composes the hub's SDL (``_service { sdl }``) with its own
subgraphs and, where one of those references a person, asks the hub for them through ``_entities``,
forwarding the caller's ``Authorization``, ``X-Purpose-Of-Use``, ``X-Justification`` and ``traceparent``.
``_entities`` answers exactly as ``person(id:)`` does, so a router cannot reach around the agreements: the
same refusal for a caller who may identify no one, the same existence rule (someone the caller may not
identify is ``null``, as an unknown id), the same governed fields and the same audit record per subject.
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from graphql import GraphQLSchema
from strawberry.federation import Schema as FederationSchema
from strawberry.federation.schema import FederationAny

from hub.core.errors import BadUserInput
from hub.services.cursors import valid_person_id
from schema.governance.person_level import identified, refuse_person_level
from schema.graph.prefetch import person_nodes, prefetch
from schema.graph.query import returned

#: the federation version the SDL links (Apollo Router and Gateway 2.3 onwards compose it)
FEDERATION_VERSION = "2.3"
#: the one entity type, and the field that keys it
ENTITY = "Person"
#: people one ``_entities`` call may name: a page's worth, as ``first`` allows (HUB_LIMIT_MAX_FIRST's default)
MAX_REPRESENTATIONS = 500


class SubgraphSchema(FederationSchema):
    """A Strawberry federation schema whose ``_entities`` is governed like ``person(id:)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("federation_version", FEDERATION_VERSION)
        super().__init__(*args, **kwargs)

    async def entities_resolver(  # type: ignore[override]
            self, info: strawberry.Info, representations: list[FederationAny]) -> list[FederationAny]:
        gate = info.context.gate
        refuse_person_level(gate, "_entities")
        if len(representations) > MAX_REPRESENTATIONS:
            raise BadUserInput(f"at most {MAX_REPRESENTATIONS} representations at once", argument="representations")
        ids = [_person_id(r, i) for i, r in enumerate(representations)]
        known = await identified(gate)
        wanted = list(dict.fromkeys(i for i in ids if known is None or i in known))
        # Gathered, so the person loader asks the index once for all of them.
        loaded = dict(zip(wanted, await asyncio.gather(*(info.context.loaders.person.load(i) for i in wanted)),
                          strict=True))
        people = [p for p in loaded.values() if p is not None]
        if people:
            await prefetch(info, people, person_nodes(info))
        return [returned(info, loaded.get(i)) for i in ids]  # type: ignore[misc]


#: the federation elements' descriptions (the schema documents itself: tests/schema/test_descriptions.py)
DESCRIPTIONS = {
    "_Service": "This subgraph, as a federation router composes it",
    "_Service.sdl": "The subgraph's SDL, with its federation directives",
    "_Any": "An entity representation a router sends: here `{__typename: \"Person\", id: ...}`",
    "_Entity": "The entity types this subgraph resolves for a router: `Person`",
    "Query._service": "This subgraph's SDL, for a federation router's composition",
    "Query._entities": "People a router's other subgraphs reference, by hub person id, in the order given: "
                       "governed and audited exactly as `person(id:)` (null for someone unknown or not "
                       "yours to identify)",
    "Query._entities(representations)": "`{__typename: \"Person\", id: \"H00000001\"}` for each person",
    "_FieldSet": "A selection of fields naming an entity (federation)",
    "link__Import": "A directive or type imported by `@link`",
    "link__Purpose": "What a linked specification is for",
    "link__Purpose.SECURITY": "It adds security information",
    "link__Purpose.EXECUTION": "It changes how the schema is executed",
}


#: What the SDL's federation directives are, so the checked-in SDL (schema/schema.graphql) stands alone for
#: tools that build a schema from it (graphql-core, graphql-codegen); a router reads them from ``@link``.
DIRECTIVE_DEFINITIONS = '''
"""Links this schema to the Apollo Federation specification, importing the directives it uses"""
directive @link(url: String!, as: String, import: [link__Import], for: link__Purpose) repeatable on SCHEMA

"""An entity, resolvable by a router from the fields named (federation)"""
directive @key(fields: _FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE

"""A directive or type imported by `@link`"""
scalar link__Import

"""A selection of fields naming an entity (federation)"""
scalar _FieldSet

"""What a linked specification is for"""
enum link__Purpose {
  """It adds security information"""
  SECURITY

  """It changes how the schema is executed"""
  EXECUTION
}
'''


def standalone_sdl(sdl: str) -> str:
    """The SDL with the federation directives it applies defined too."""
    return sdl.rstrip("\n") + "\n" + DIRECTIVE_DEFINITIONS


def describe_federation(schema: GraphQLSchema) -> None:
    for name, text in DESCRIPTIONS.items():
        type_name, _, rest = name.partition(".")
        named = schema.type_map.get(type_name)
        if named is None:
            continue
        if not rest:
            named.description = named.description or text
            continue
        field_name, _, arg = rest.partition("(")
        f = getattr(named, "fields", None) or getattr(named, "values", {})
        f = f.get(field_name)
        if f is None:
            continue
        target = f.args[arg.rstrip(")")] if arg else f
        target.description = target.description or text


def _person_id(representation: Any, index: int) -> str:
    """The hub person id a representation names; BAD_USER_INPUT for anything but ``{__typename: Person, id}``."""
    if not isinstance(representation, dict) or representation.get("__typename") != ENTITY \
            or set(representation) != {"__typename", "id"}:
        raise BadUserInput(f'representations[{index}] must be {{"__typename": "{ENTITY}", "id": ...}}',
                           argument="representations")
    person_id = representation["id"]
    if not isinstance(person_id, str) or not valid_person_id(person_id):
        raise BadUserInput(f"representations[{index}].id must be H followed by eight digits",
                           argument="representations")
    return person_id

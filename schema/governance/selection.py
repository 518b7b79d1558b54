"""What a query selects beneath a field, with fragments flattened and aliases kept.

Governance is applied once per agency record, so the record's resolver needs the list of
sub-fields asked for (and under which response keys, for error paths). The list depends only
on the query document, so it is computed once per field node and reused for every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLResolveInfo,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    get_directive_values,
)

Selection = tuple[tuple[str, str], ...]  # (field name, response key) pairs in query order
RawInfo = GraphQLResolveInfo[Any]


def included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Any) -> bool:
    """False when ``@skip`` or ``@include`` leaves the node out of the response (as the executor will)."""
    if not node.directives:
        return True
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip is not None and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return not (include is not None and include.get("if") is False)


def _fields(selection_set: SelectionSetNode | None, fragments: dict[str, Any], seen: set[str], variables: Any
            ) -> Iterator[FieldNode]:
    """The field nodes of a selection set, fragments (each named one once) flattened."""
    if selection_set is None:
        return
    for node in selection_set.selections:
        if not included(node, variables):  # type: ignore[arg-type]
            continue
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen, variables)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            yield from _fields(fragments[name].selection_set, fragments, seen, variables)


def beneath(nodes: Iterable[FieldNode], fragments: dict[str, Any], variables: Any = None) -> Iterator[FieldNode]:
    """The field nodes selected directly beneath ``nodes`` (without those ``@skip``/``@include`` leave out)."""
    for node in nodes:
        yield from _fields(node.selection_set, fragments, set(), variables)


def selected(info: RawInfo, cache: dict[tuple[int, ...], Selection]) -> Selection:
    """(field name, response key) pairs selected on the value of the field being resolved.

    A field ``@skip`` or ``@include`` leaves out is not asked for: the audit names only what is returned.
    """
    key = tuple(id(n) for n in info.field_nodes)
    found = cache.get(key)
    if found is None:
        pairs = ((n.name.value, n.alias.value if n.alias else n.name.value)
                 for n in beneath(info.field_nodes, info.fragments, info.variable_values))
        found = cache[key] = tuple(dict.fromkeys(pairs))
    return found


def children(nodes: Iterable[FieldNode], name: str, fragments: dict[str, Any], variables: Any = None
             ) -> list[FieldNode]:
    """The field nodes called ``name`` selected directly beneath ``nodes``."""
    return [n for n in beneath(nodes, fragments, variables) if n.name.value == name]


def field_names(nodes: Iterable[FieldNode], fragments: dict[str, Any], variables: Any = None) -> list[str]:
    """The names of the fields selected directly beneath ``nodes``, in query order, once each."""
    return list(dict.fromkeys(n.name.value for n in beneath(nodes, fragments, variables)))

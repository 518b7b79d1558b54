"""What a query selects beneath a field, with fragments flattened and aliases kept.

Governance is applied once per agency record, so the record's resolver needs the list of
sub-fields asked for (and under which response keys, for error paths). The list depends only
on the query document, so it is computed once per field node and reused for every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode, SelectionSetNode

Selection = tuple[tuple[str, str], ...]  # (field name, response key) pairs in query order
RawInfo = GraphQLResolveInfo[Any]


def _fields(selection_set: SelectionSetNode | None, fragments: dict[str, Any], seen: set[str]
            ) -> Iterator[FieldNode]:
    """The field nodes of a selection set, fragments (each named one once) flattened."""
    if selection_set is None:
        return
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            yield node
        elif isinstance(node, InlineFragmentNode):
            yield from _fields(node.selection_set, fragments, seen)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            yield from _fields(fragments[name].selection_set, fragments, seen)


def beneath(nodes: Iterable[FieldNode], fragments: dict[str, Any]) -> Iterator[FieldNode]:
    """The field nodes selected directly beneath ``nodes``."""
    for node in nodes:
        yield from _fields(node.selection_set, fragments, set())


def selected(info: RawInfo, cache: dict[tuple[int, ...], Selection]) -> Selection:
    """(field name, response key) pairs selected on the value of the field being resolved.

    Skip/include directives are ignored: a field is treated as asked for if it appears at all,
    which can only over-count what is audited, never under-count it.
    """
    key = tuple(id(n) for n in info.field_nodes)
    found = cache.get(key)
    if found is None:
        pairs = ((n.name.value, n.alias.value if n.alias else n.name.value)
                 for n in beneath(info.field_nodes, info.fragments))
        found = cache[key] = tuple(dict.fromkeys(pairs))
    return found


def children(nodes: Iterable[FieldNode], name: str, fragments: dict[str, Any]) -> list[FieldNode]:
    """The field nodes called ``name`` selected directly beneath ``nodes``."""
    return [n for n in beneath(nodes, fragments) if n.name.value == name]


def field_names(nodes: Iterable[FieldNode], fragments: dict[str, Any]) -> list[str]:
    """The names of the fields selected directly beneath ``nodes``, in query order, once each."""
    return list(dict.fromkeys(n.name.value for n in beneath(nodes, fragments)))

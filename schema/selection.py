"""What a query selects beneath a field, with fragments flattened and aliases kept.

Governance is applied once per agency record, so the record's resolver needs the list of
sub-fields asked for (and under which response keys, for error paths). The list depends only
on the query document, so it is computed once per field node and reused for every row.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode, SelectionSetNode

Selection = tuple[tuple[str, str], ...]  # (field name, response key) pairs in query order
RawInfo = GraphQLResolveInfo[Any]


def _walk(selection_set: SelectionSetNode | None, fragments: dict[str, Any], out: list[tuple[str, str]],
          seen: set[str]) -> None:
    if selection_set is None:
        return
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            pair = (node.name.value, node.alias.value if node.alias else node.name.value)
            if pair not in out:
                out.append(pair)
        elif isinstance(node, InlineFragmentNode):
            _walk(node.selection_set, fragments, out, seen)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            _walk(fragments[name].selection_set, fragments, out, seen)


def selected(info: RawInfo, cache: dict[tuple[int, ...], Selection]) -> Selection:
    """(field name, response key) pairs selected on the value of the field being resolved.

    Skip/include directives are ignored: a field is treated as asked for if it appears at all,
    which can only over-count what is audited, never under-count it.
    """
    key = tuple(id(n) for n in info.field_nodes)
    found = cache.get(key)
    if found is None:
        out: list[tuple[str, str]] = []
        for node in info.field_nodes:
            _walk(node.selection_set, info.fragments, out, set())
        found = cache[key] = tuple(out)
    return found

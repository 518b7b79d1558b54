"""Loading the agency records a query selects for a set of people, before those people resolve.

Left to themselves, a page's records load as each record's resolver asks its DataLoader: one batch
per agency, but one suspended resolver per record (graphql-core schedules a task for each), and
list fields such as arrests wait for their record before they ask. Here every record and list the
query selects beneath the people is loaded for all of them at once, every agency in parallel, with
the caller's condition sets (caseload, victim's cases). The resolvers then find all they need at hand
and complete without suspending (:mod:`schema.governance.governed`).

Nothing is released here: each record is still judged, accounted and built by its own resolver.
Records are loaded only for people the agreement can show them for, so a caller denied a record
costs its agency no query, as before. Consent is the exception: it is recorded on the record
itself, so a record (and a list) that consent may release is loaded before consent is known.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any

from graphql import FieldNode

from connectors.registry import AGENCIES
from hub.core.agency import Agency
from hub.services.index.store import IndexedPerson
from schema.governance.context import Info
from schema.governance.gate import Gate
from schema.governance.governed import fields_of
from schema.governance.loaders import Loaders
from schema.governance.selection import Selection, children, field_names
from schema.governance.strawberry_adapter import resolve_info


def person_nodes(info: Info, *path: str) -> list[FieldNode]:
    """The field nodes of the people beneath the resolving field, down ``path`` (``edges``, ``node``)."""
    raw = resolve_info(info)
    nodes = list(raw.field_nodes)
    for name in path:
        nodes = children(nodes, name, raw.fragments, raw.variable_values)
    return nodes


async def prefetch(info: Info, people: Sequence[IndexedPerson], nodes: list[FieldNode]) -> None:
    """Load, for ``people``, every agency record and list ``nodes`` select, in one parallel round."""
    if not people or not nodes:
        return
    gate = info.context.gate
    raw = resolve_info(info)
    fragments, variables = raw.fragments, raw.variable_values
    wanted: list[tuple[Agency, list[str], Selection]] = []
    keys = [f"Person.{name}" for name in field_names(nodes, fragments, variables)]
    for package in AGENCIES:
        record = package.agency
        below = children(nodes, record.name, fragments, variables)
        if below:
            names = [n for n in field_names(below, fragments, variables) if n != "__typename"]
            # Whether the record shows at all depends on every field of it (existence is data).
            every = fields_of(raw.schema.get_type(record.record_type))
            wanted.append((record, names, every))
            keys += [f"{record.record_type}.{n}" for n, _ in every]
    # Condition sets first: the loads below skip people a condition already rules out. A set that
    # cannot load fails only the fields it conditions, in their own resolvers, as it would unfetched.
    with contextlib.suppress(Exception):
        await gate.ready(keys)
    loaders = info.context.loaders
    loads: list[Awaitable[Any]] = []
    for record, names, every in wanted:
        shown = [n for n in names if _may_show(gate, record.record_type, n)]
        if names and not shown:
            continue  # the record is denied whole: its resolver answers without loading
        keys = _keys(gate, record, people, tuple((n, n) for n in shown) or every)
        lists = {field: _keys(gate, record, people, ((field, field),)) for field in shown if field in record.lists}
        # The first list read for the same people as the record is read with it: one round trip, not two.
        joined = next((field for field, listed_keys in lists.items() if listed_keys == keys), None)
        loads.append(_load(loaders, record.name, keys, lists, joined))
    # A failed load stays in its loader: the resolvers that need it raise it where they stand.
    await asyncio.gather(*loads, return_exceptions=True)


async def _load(loaders: Loaders, agency: str, keys: list[str], lists: dict[str, list[str]],
                joined: str | None) -> None:
    """One agency's records and lists for a page, in parallel; ``joined`` with the records where it can be."""

    async def records() -> None:
        if joined is not None and await loaders.load_with_list(agency, keys, joined):
            return
        both = [loaders.records[agency].load_many(keys)]
        if joined is not None:
            both.append(loaders.lists[(agency, joined)].load_many(lists[joined]))
        await asyncio.gather(*both, return_exceptions=True)

    others = [loaders.lists[(agency, field)].load_many(listed_keys)
              for field, listed_keys in lists.items() if field != joined]
    await asyncio.gather(records(), *others, return_exceptions=True)


def _may_show(gate: Gate, type_name: str, field: str) -> bool:
    return gate.plan is None or gate.plan.field(f"{type_name}.{field}").visible


def _keys(gate: Gate, record: Agency, people: Iterable[IndexedPerson], pairs: Selection) -> list[str]:
    """The identifiers of the people for whom one of these fields may show (before consent)."""
    plan, scheme = gate.plan, record.key_scheme
    if plan is None or not any(plan.field(f"{record.record_type}.{name}").condition for name, _ in pairs):
        return [key for p in people if (key := p.links.get(scheme)) is not None]
    out = []
    for p in people:
        key = p.links.get(scheme)
        if key is None:
            continue
        verdicts = gate.judge_now(record.record_type, p.person_id, pairs)
        # None: a condition set failed to load; the resolver fails without the record, so it is not read.
        if verdicts is not None and any(v.show for v in verdicts):
            out.append(key)
    return out


__all__ = ["person_nodes", "prefetch"]

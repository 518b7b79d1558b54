"""Refusing lookups and filters on fields the caller may not read.

If a caller could filter or order by a value it may not see, the rows that come back (or their
order) would disclose it. So each filter and order names the field it reads; an unconditional
release allows it, a caseload or victim's-case release narrows the search to those people,
anything else refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.core.errors import FilterNotPermitted
from schema.governance.gate import Gate


@dataclass(frozen=True)
class Scope:
    """Who a filter may range over: everyone, or only these people."""

    among: frozenset[str] | None
    #: the row conditions that narrowed it (``caseload``, ``victim_case``, ``relationship``); empty: none
    narrowed_by: frozenset[str] = frozenset()


async def scope_for(gate: Gate, argument: str, field_keys: list[str], *, exact: bool = False) -> Scope:
    """The people a lookup, filter or order on these fields may range over, or FilterNotPermitted.

    ``exact``: the argument uses the field's exact value (an order does), so a field released only
    masked (a birth year, a band) is refused too: the order would disclose what the mask hides.
    """
    if gate.plan is None:
        return Scope(None)
    among: frozenset[str] | None = None
    narrowed_by: set[str] = set()
    for key in field_keys:
        d = gate.plan.field(key)
        if not d.visible or (d.condition and "consent" in d.condition):
            raise FilterNotPermitted(
                f"`{argument}` reads {key}, which is not shared with you for this purpose",
                argument=argument, field=key, clause=d.clause,
            )
        if exact and d.transform is not None:
            raise FilterNotPermitted(
                f"`{argument}` would disclose {key} unmasked, but it is shared with you only masked",
                argument=argument, field=key, clause=d.clause,
            )
        if d.condition:
            people = await gate.people_under(d.condition)
            among = people if among is None else among & people
            narrowed_by.add(d.condition)
    return Scope(among, frozenset(narrowed_by))

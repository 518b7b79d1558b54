"""Ordering people by a value one agency (or the index) holds, with keyset cursors.

Each sortable value comes from its owner in one statement over all its records, so an ordered
page costs a constant number of statements whatever the page size. The order is total: ties
are broken by hub person id, and people with no value sort last in either direction. A cursor
carries the last row's value and person id, so the next page starts after that position even
if rows were added or removed in between.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import total_ordering
from typing import Any

from hub.core.agency import Agency, Order
from hub.core.errors import BadUserInput
from hub.core.json_depth import too_deep
from hub.services import cursors


@dataclass(frozen=True)
class OrderField:
    """What people can be ordered by, and who answers for it: the person index, or an agency."""

    owner: str
    order: Order

    @property
    def name(self) -> str:
        return self.order.name

    @property
    def source_field(self) -> str:
        return self.order.source_field

    @property
    def field_key(self) -> str | None:
        """The field whose value decides the order: sorting by it discloses it, so it is governed."""
        return self.order.field_key


#: The person index's own orders; each agency declares its own (``Agency.orders``).
PERSON_ID = OrderField("index", Order("PERSON_ID", "personId", None, str))
INDEX_ORDERS = (
    PERSON_ID,
    OrderField("index", Order("SURNAME", "surname", "Person.name", str)),
    OrderField("index", Order("DATE_OF_BIRTH", "dateOfBirth", "Person.dateOfBirth", date.fromisoformat)),
)


def order_fields(agencies: Iterable[Agency]) -> dict[str, OrderField]:
    """Every order the index and these agencies answer, by ``PersonOrderField`` name."""
    fields = [*INDEX_ORDERS, *(OrderField(a.name, o) for a in agencies for o in a.orders)]
    return {f.name: f for f in fields}


@dataclass(frozen=True)
class Ordering:
    field: OrderField
    descending: bool = False


@total_ordering
class _Reversed:
    """Wraps a value so that a plain ascending sort puts larger values first."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __hash__(self) -> int:
        return hash(self.value)


SortKey = tuple[int, Any, str]


def sort_key(ordering: Ordering, value: Any, person_id: str) -> SortKey:
    if value is None:
        return (1, 0, person_id)  # no value: last, in person id order
    return (0, _Reversed(value) if ordering.descending else value, person_id)


def ordered_page(ordering: Ordering, people: Iterable[str], values: Mapping[str, Any], first: int,
                 after: str | None) -> tuple[list[str], bool]:
    """The person ids of the page after ``after`` (at most ``first``) and whether more follow."""
    keyed = sorted(sort_key(ordering, values.get(p), p) for p in people)
    start = bisect.bisect_right(keyed, decode(ordering, after)) if after is not None else 0
    chunk = keyed[start:start + first + 1]
    return [k[2] for k in chunk[:first]], len(chunk) > first


def encode(ordering: Ordering, value: Any, person_id: str) -> str:
    shown = value.isoformat() if isinstance(value, date | datetime) else value
    return cursors.encode(f"people-by-{ordering.field.source_field}", json.dumps([shown, person_id]))


def decode(ordering: Ordering, cursor: str) -> SortKey:
    raw = cursors.decode(f"people-by-{ordering.field.source_field}", cursor)
    try:
        if too_deep(raw, 1):  # ours is one flat array; deep nesting would exhaust the parser's recursion
            raise ValueError("nested")
        shown, person_id = json.loads(raw)
        if not isinstance(person_id, str) or not cursors.valid_person_id(person_id):
            raise ValueError("person id")
        value = None if shown is None else ordering.field.order.parse(shown)
    except (ValueError, TypeError, KeyError):
        raise BadUserInput("`after` is not a cursor this API issued for this order", argument="after") from None
    return sort_key(ordering, value, person_id)

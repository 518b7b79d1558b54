"""The people connection (Relay style) and its filter."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from connectors.registry import AGENCIES
from hub.services.ordering import Ordering, order_fields
from hub.services.people import PeopleQuery
from schema.governance.context import Info
from schema.graph.filters import FILTERS, MAX_BRANCHES
from schema.graph.names import python_name
from schema.graph.types.paging import PageInfo
from schema.graph.types.person import Person

ANY_OF = (f"The person matches if any of these filters matches (and every other criterion set here); at most "
          f"{MAX_BRANCHES}, none holding an anyOf of its own. Each is governed as a filter of its own: one the "
          "caller may not use is refused, one they may use only for their own people ranges over those alone")
ON_MY_CASELOAD = ("Only the caller's own people: their caseload or cohort; for victim liaison, their victims' cases; "
                  "for housing, treatment and employment, their caseload and people with an open referral to their "
                  "service")


if TYPE_CHECKING:
    class PeopleFilter:
        on_my_caseload: bool | None
        any_of: list[PeopleFilter] | None
else:
    #: One input field per filter the registered agencies declare, and the caller's own people.
    PeopleFilter = strawberry.input(type("PeopleFilter", (), {
        "__annotations__": {**{python_name(n): f.type for n, (_, f) in FILTERS.items()}, "on_my_caseload": bool | None,
                            "any_of": "list[PeopleFilter] | None"},
        **{python_name(n): strawberry.field(default=None, name=n, description=f.description)
           for n, (_, f) in FILTERS.items()},
        "on_my_caseload": strawberry.field(default=None, description=ON_MY_CASELOAD),
        "any_of": strawberry.field(default=None, description=ANY_OF),
    }), description="Every criterion set must match; a list matches any of its values, `anyOf` any of its filters")


#: What people can be ordered by: the person index's orders and every registered agency's.
ORDERS = order_fields(a.agency for a in AGENCIES)

if TYPE_CHECKING:
    class PersonOrderField(Enum):
        value: str
else:
    PersonOrderField = strawberry.enum(Enum("PersonOrderField", {name: name for name in ORDERS}), description=(
        "What people can be ordered by. Ordering by a value discloses it, so it needs the same access as "
        "reading the field (unmasked); people without a value come last in either direction"))


@strawberry.enum(description="Smallest first (ASC) or largest first (DESC)")
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="An order for a people page; ties are broken by hub person id")
class PersonOrder:
    field: PersonOrderField
    direction: OrderDirection = OrderDirection.ASC

    def to_ordering(self) -> Ordering:
        return Ordering(ORDERS[self.field.value], descending=self.direction is OrderDirection.DESC)


@strawberry.type
class PersonEdge:
    cursor: str
    node: Person


@strawberry.type
class PersonConnection:
    edges: list[PersonEdge]
    page_info: PageInfo
    matched: strawberry.Private[int | None]
    query: strawberry.Private[PeopleQuery]

    @strawberry.field(description="How many people match the filter across all pages")
    async def total_count(self, info: Info) -> int:
        # A page found without every match in hand is counted only when a query asks for the count.
        return self.matched if self.matched is not None else await info.context.people.total(self.query)

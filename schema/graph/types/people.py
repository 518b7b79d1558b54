"""The people connection (Relay style) and its filter."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from connectors.housing.records import AccommodationStatus
from connectors.police.records import IomCohort
from hub.core.ogrs import OgrsBand
from hub.services.ordering import OrderField, Ordering
from hub.services.people import PeopleQuery
from schema.governance.context import Info
from schema.graph.filters import Criteria
from schema.graph.types.paging import PageInfo
from schema.graph.types.person import Person


@strawberry.input(description="An inclusive date range; either end may be left open")
class DateRange:
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


@strawberry.input(description="Every criterion set must match; a list matches any of its values")
class PeopleFilter:
    boroughs: list[str] | None = strawberry.field(
        default=None, description="Borough of residence (housing); NFA cases count in their last borough")
    iom_cohorts: list[IomCohort] | None = None
    mappa_levels: list[int] | None = None
    ogrs_bands: list[OgrsBand] | None = None
    released_between: DateRange | None = strawberry.field(
        default=None, description="Release from custody (probation) within this range")
    arrested_since: datetime | None = strawberry.field(default=None, description="At least one arrest since")
    accommodation_statuses: list[AccommodationStatus] | None = None
    on_my_caseload: bool | None = strawberry.field(
        default=None, description="Only the caller's own people: their caseload or cohort; for victim liaison, "
                                  "their victims' cases; for housing and treatment, their caseload and people with "
                                  "an open referral to their service")

    def to_query(self) -> PeopleQuery:
        def fs(values: list[object] | None) -> frozenset[object] | None:
            return frozenset(values) if values is not None else None

        rb = self.released_between
        return Criteria(
            boroughs=fs(self.boroughs),  # type: ignore[arg-type]
            iom_cohorts=fs(self.iom_cohorts),  # type: ignore[arg-type]
            mappa_levels=fs(self.mappa_levels),  # type: ignore[arg-type]
            ogrs_bands=fs(self.ogrs_bands),  # type: ignore[arg-type]
            released_from=rb.from_ if rb else None,
            released_to=rb.to if rb else None,
            arrested_since=self.arrested_since,
            accommodation_statuses=fs(self.accommodation_statuses),  # type: ignore[arg-type]
        ).to_query()


PersonOrderField = strawberry.enum(OrderField, name="PersonOrderField", description=(
    "What people can be ordered by. Ordering by a value discloses it, so it needs the same access as "
    "reading the field (unmasked); people without a value come last in either direction"))


@strawberry.enum(description="Smallest first (ASC) or largest first (DESC)")
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="An order for a people page; ties are broken by hub person id")
class PersonOrder:
    field: PersonOrderField  # type: ignore[valid-type]
    direction: OrderDirection = OrderDirection.ASC

    def to_ordering(self) -> Ordering:
        return Ordering(self.field, descending=self.direction is OrderDirection.DESC)


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

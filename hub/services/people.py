"""Finding people across the four agencies and paging through them.

Each agency answers the criteria it owns with its own keys; the person index turns those keys
into hub person ids and the sets are intersected. Pages are in person-id order (keyset), or in the
order of one agency's value (:mod:`hub.services.ordering`), so a cursor stays valid while data changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from connectors.housing.records import AccommodationStatus, HousingCriteria
from connectors.police.records import IomCohort, PoliceCriteria
from connectors.probation.records import OgrsBand, ProbationCriteria
from hub.errors import BadUserInput
from hub.index.store import IndexedPerson, PersonIndex
from hub.services import cursors, ordering
from hub.services.agencies import Agencies
from hub.services.ordering import OrderField, Ordering


@dataclass(frozen=True)
class PeopleQuery:
    boroughs: frozenset[str] | None = None
    iom_cohorts: frozenset[IomCohort] | None = None
    mappa_levels: frozenset[int] | None = None
    ogrs_bands: frozenset[OgrsBand] | None = None
    released_from: date | None = None
    released_to: date | None = None
    arrested_since: datetime | None = None
    accommodation_statuses: frozenset[AccommodationStatus] | None = None
    #: only these hub person ids (a caseload or cohort), applied on top of the criteria
    among: frozenset[str] | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def validate(self) -> None:
        if self.released_from and self.released_to and self.released_from > self.released_to:
            raise BadUserInput("releasedBetween: `from` is after `to`", argument="filter")
        for name in ("boroughs", "iom_cohorts", "mappa_levels", "ogrs_bands", "accommodation_statuses"):
            value = getattr(self, name)
            if value is not None and not value:
                raise BadUserInput(f"filter list `{name}` is empty: omit it to match everyone",
                                   argument="filter")
        if self.mappa_levels and not self.mappa_levels <= {1, 2, 3}:
            raise BadUserInput("MAPPA levels are 1, 2 or 3", argument="filter")


@dataclass(frozen=True)
class Page:
    people: list[IndexedPerson]
    has_next_page: bool
    total_count: int | None
    #: one cursor per person, in the page's order
    cursors: list[str]

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None


class PeopleService:
    def __init__(self, index: PersonIndex, agencies: Agencies) -> None:
        self.index = index
        self.agencies = agencies

    async def matching_ids(self, q: PeopleQuery) -> set[str] | None:
        """Hub person ids matching every criterion, or None when nothing narrows the set."""
        q.validate()
        searches: list[Awaitable[set[str]]] = []
        police = PoliceCriteria(iom_cohorts=q.iom_cohorts, arrested_since=q.arrested_since)
        if police != PoliceCriteria():
            searches.append(self._people(self.agencies.police.search(police), "pncId"))
        probation = ProbationCriteria(q.mappa_levels, q.ogrs_bands, q.released_from, q.released_to)
        if probation != ProbationCriteria():
            searches.append(self._people(self.agencies.probation.search(probation), "crn"))
        housing = HousingCriteria(boroughs=q.boroughs, accommodation_statuses=q.accommodation_statuses)
        if housing != HousingCriteria():
            searches.append(self._people(self.agencies.housing.search(housing), "housingReference"))
        sets: list[set[str]] = list(await asyncio.gather(*searches))
        if q.among is not None:
            sets.append(set(q.among))
        if not sets:
            return None
        return set.intersection(*sets)

    async def _people(self, keys: Awaitable[set[str]], scheme: str) -> set[str]:
        return await self.index.resolve(scheme, await keys)

    async def page(self, q: PeopleQuery, first: int, after: str | None, order: Ordering | None = None) -> Page:
        if order is not None and not (order.field is OrderField.PERSON_ID and not order.descending):
            return await self._ordered_page(q, first, after, order)
        after_id = cursors.decode_person(after) if after is not None else None
        matching = await self.matching_ids(q)
        if matching is None:
            ids = await self.index.first_ids(after_id, first + 1)
            total = None
        else:
            ordered = sorted(i for i in matching if after_id is None or i > after_id)
            ids = ordered[: first + 1]
            total = len(matching)
        has_next = len(ids) > first
        ids = ids[:first]
        found = await self.index.get_many(ids)
        people = [found[i] for i in ids if i in found]
        return Page(people, has_next, total, [cursors.encode_person(p.person_id) for p in people])

    async def _ordered_page(self, q: PeopleQuery, first: int, after: str | None, order: Ordering) -> Page:
        matching, values = await asyncio.gather(self.matching_ids(q), self.order_values(order.field))
        candidates = matching if matching is not None else await self.index.all_ids()
        if order.field is OrderField.PERSON_ID:
            values = {p: p for p in candidates}
        ids, has_next = ordering.ordered_page(order, candidates, values, first, after)
        found = await self.index.get_many(ids)
        people = [found[i] for i in ids if i in found]
        return Page(people, has_next, len(candidates),
                    [ordering.encode(order, values.get(p.person_id), p.person_id) for p in people])

    async def order_values(self, field: OrderField) -> dict[str, Any]:
        """Hub person id -> the value people are ordered by (people without one are left out)."""
        if field is OrderField.PERSON_ID:
            return {}
        if field.owner == "index":
            return await self.index.order_values(field.source_field)
        connector = self.agencies.all()[field.owner]
        by_key, links = await asyncio.gather(connector.order_values(field.source_field),
                                             self.index.links(connector.key_scheme))
        return {links[key]: value for key, value in by_key.items() if key in links}

    async def total(self) -> int:
        return await self.index.count()

"""Finding people across the agencies and paging through them.

Each agency answers the criteria it owns with its own keys; the person index turns those keys
into hub person ids and the sets are intersected. Pages are in person-id order (keyset), or in the
order of one agency's value (:mod:`hub.services.ordering`), so a cursor stays valid while data changes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from cachetools import TTLCache

from hub.core.agency import Connector
from hub.services import cursors, ordering
from hub.services.agencies import Agencies
from hub.services.index.store import IndexedPerson, PersonIndex
from hub.services.ordering import PERSON_ID, OrderField, Ordering


@dataclass(frozen=True)
class PeopleQuery:
    """Who to find: each agency asked with the criteria it owns (its connector's criteria type), all of which
    must match; the graph turns a caller's filter into this (schema/graph/filters.py)."""

    #: (agency, its criteria), at most one per agency; an agency not named is not asked
    criteria: tuple[tuple[str, Hashable], ...] = ()
    #: only these hub person ids (a caseload or cohort), applied on top of the criteria
    among: frozenset[str] | None = None
    #: and, when given, at least one of these queries (each within ``among`` and its own) matches
    any_of: tuple[PeopleQuery, ...] = ()

    def branch(self, branch: PeopleQuery) -> PeopleQuery:
        """One of ``any_of`` as it runs: within this query's scope as well as its own."""
        if self.among is None or branch.among is None:
            return replace(branch, among=self.among if branch.among is None else branch.among)
        return replace(branch, among=self.among & branch.among)

    def searches_everyone(self) -> bool:
        """Some agency answers it over all its records, about no one in particular (no scope bounds it)."""
        return self.among is None and (bool(self.criteria) or any(b.searches_everyone() for b in self.any_of))


@dataclass(frozen=True)
class Page:
    people: list[IndexedPerson]
    has_next_page: bool
    #: how many match across all pages; None when the page was found without counting them
    total_count: int | None
    #: one cursor per person, in the page's order
    cursors: list[str]
    #: hub person id -> the owners (agencies, or ``index``) whose values for that person the hub read one
    #: by one to choose or order the page (candidates it asked about, a scope's people): consulted
    consulted: dict[str, set[str]] = field(default_factory=dict)
    #: an agency searched or ordered all its records for the page: a search of everyone, not of anyone
    #: in particular, which the audit records once rather than per person
    searched_all: bool = False

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None


#: A filtered page first asks about this many candidates per person wanted (see ``PeopleService._probe``).
PROBE_FACTOR = 8
#: seconds a filter whose probe came back short goes straight to the set path
SELECTIVE_FOR = 300.0
#: filters remembered as selective, at most (the least recently used is forgotten beyond it)
SELECTIVE_KEPT = 512


class PeopleService:
    def __init__(self, index: PersonIndex, agencies: Agencies, probe_factor: int = PROBE_FACTOR,
                 selective_for: float = SELECTIVE_FOR, *, in_index: bool = True) -> None:
        self.index = index
        self.agencies = agencies
        #: a page over everyone (no scope, no OR, no count) chosen by the index from the agencies' answers, in one
        #: statement (False: probed or resolved here, as a scoped page is)
        self.in_index = in_index
        #: 0 turns probing off: every filtered page resolves every match
        self.probe_factor = probe_factor
        self.selective_for = selective_for
        #: criteria and scope (size, hash) whose probe came back short within the last ``selective_for`` seconds
        self._selective: TTLCache[tuple[Any, ...], bool] = TTLCache(
            maxsize=SELECTIVE_KEPT, ttl=selective_for, timer=lambda: time.monotonic())

    def _searches(self, q: PeopleQuery) -> list[tuple[Connector[Any], Any]]:
        """The agencies a query's criteria ask, each with the criteria it owns."""
        return [(self.agencies[agency], criteria) for agency, criteria in q.criteria]

    async def matching_ids(self, q: PeopleQuery, consulted: dict[str, set[str]] | None = None) -> set[str] | None:
        """Hub person ids matching every criterion, or None when nothing narrows the set.

        Within a scope (a caseload, say) ``consulted`` gains, for each of its people an agency named as
        matching, that agency. Without one, the agencies searched all their records: no one in
        particular was read, and the caller records the search itself.
        """
        searches = self._searches(q)
        sets: list[set[str]] = list(await asyncio.gather(*(
            self._people(connector.search(criteria), connector.key_scheme) for connector, criteria in searches)))
        if consulted is not None and q.among is not None:
            for (connector, _), found in zip(searches, sets, strict=True):
                for pid in found & q.among:
                    consulted.setdefault(pid, set()).add(connector.agency)
        if q.among is not None:
            sets.append(set(q.among))
        if q.any_of:
            branches = await asyncio.gather(*(self.matching_ids(q.branch(b), consulted) for b in q.any_of))
            if all(b is not None for b in branches):  # a branch matching everyone leaves the union everyone
                sets.append(set().union(*(b for b in branches if b is not None)))
        if not sets:
            return None
        return set.intersection(*sets)

    async def _people(self, keys: Awaitable[set[str]], scheme: str) -> set[str]:
        return await self.index.resolve(scheme, await keys)

    async def _probe(self, q: PeopleQuery, first: int, after: str | None,
                     consulted: dict[str, set[str]] | None = None) -> list[str] | None:
        """The first ``first + 1`` people matching after ``after``, if the next few in id order hold them.

        A broad filter (an IOM cohort is about a quarter of everyone) finds a page among a few pages
        of candidates, and asking each agency which of those candidates match costs a few
        milliseconds; resolving every match (thousands of identifiers) to keep 200 costs tens. One
        probe only: None when it comes back short, as a selective filter does, and the caller
        takes the set path, the cheaper one then. Such a filter is remembered for a few minutes,
        so its next pages go straight to the set path. Either path gives the same page.
        """
        searches = self._searches(q)
        if not searches or not self.probe_factor or q.any_of:
            return None  # an OR is answered on the set path: the candidates' answers are intersected here
        if q.among is not None and not q.among:
            return []  # a scope holding no one
        # How selective a filter is depends on the scope it runs within too (a caseload, a cohort).
        scope = None if q.among is None else (len(q.among), hash(q.among))
        shape = (*(criteria for _, criteria in searches), scope)
        if shape in self._selective:
            return None  # this filter matched too few to probe a moment ago
        size = self.probe_factor * (first + 1)
        people, links = await self.index.links_after(after, size, {c.key_scheme for c, _ in searches})
        by_scheme: dict[str, list[tuple[str, str]]] = {}
        for pid, scheme, value in links:
            if q.among is None or pid in q.among:
                by_scheme.setdefault(scheme, []).append((pid, value))
        answers = await asyncio.gather(*(
            connector.search(criteria, among={v for _, v in by_scheme.get(connector.key_scheme, ())})
            for connector, criteria in searches))
        hits: set[str] | None = None
        asked: dict[str, set[str]] = {}
        for (connector, _), keys in zip(searches, answers, strict=True):
            candidates = by_scheme.get(connector.key_scheme, ())
            for pid, _value in candidates:  # matching or not, the agency was asked about them
                asked.setdefault(pid, set()).add(connector.agency)
            found = {pid for pid, value in candidates if value in keys}
            hits = found if hits is None else hits & found
        matched = sorted(hits or ())
        if len(matched) > first or people < size:
            if consulted is not None:
                for pid, agencies in asked.items():
                    consulted.setdefault(pid, set()).update(agencies)
            return matched[: first + 1]
        self._selective[shape] = True
        return None

    async def page(self, q: PeopleQuery, first: int, after: str | None, order: Ordering | None = None,
                   *, count: bool = False) -> Page:
        """A page of people; with ``count``, also how many match across all pages."""
        if order is not None and not (order.field is PERSON_ID and not order.descending):
            return await self._ordered_page(q, first, after, order)
        after_id = cursors.decode_person(after) if after is not None else None
        if self.in_index and q.among is None and not q.any_of and not count:
            return await self._chosen_by_index(q, first, after_id)
        total: int | None = None
        consulted: dict[str, set[str]] = {}
        searched_all = False
        # Counting needs every match anyway: then the set path answers both at once.
        probed = None if count else await self._probe(q, first, after_id, consulted)
        if probed is not None:
            ids = probed
        else:
            matching = await self.matching_ids(q, consulted)
            searched_all = matching is not None and q.searches_everyone()
            if matching is None:
                ids = await self.index.first_ids(after_id, first + 1)
            else:
                ordered = sorted(i for i in matching if after_id is None or i > after_id)
                ids = ordered[: first + 1]
                total = len(matching)
        has_next = len(ids) > first
        ids = ids[:first]
        found = await self.index.get_many(ids)
        people = [found[i] for i in ids if i in found]
        return Page(people, has_next, total, [cursors.encode_person(p.person_id) for p in people], consulted,
                    searched_all)

    async def _chosen_by_index(self, q: PeopleQuery, first: int, after: str | None) -> Page:
        """The page over everyone: each agency asked for every match of its criteria (about no one in particular:
        the caller records the search), and the index choosing the first ``first`` people holding one of each
        agency's matches, and reading them, in one statement, as the expert's hand-written server does."""
        searches = self._searches(q)
        answers = await asyncio.gather(*(connector.search(criteria) for connector, criteria in searches))
        holding = [(connector.key_scheme, keys) for (connector, _), keys in zip(searches, answers, strict=True)]
        people = await self.index.page(after, first + 1, holding)
        return Page(people[:first], len(people) > first, None,
                    [cursors.encode_person(p.person_id) for p in people[:first]], {}, q.searches_everyone())

    async def _ordered_page(self, q: PeopleQuery, first: int, after: str | None, order: Ordering) -> Page:
        consulted: dict[str, set[str]] = {}
        matching, values = await asyncio.gather(self.matching_ids(q, consulted), self.order_values(order.field))
        candidates = matching if matching is not None else await self.index.all_ids()
        if order.field is PERSON_ID:
            values = {p: p for p in candidates}
        elif q.among is not None:  # every value in the scope was compared to place the page
            for pid in candidates:
                if pid in values:
                    consulted.setdefault(pid, set()).add(order.field.owner)
        ids, has_next = ordering.ordered_page(order, candidates, values, first, after)
        found = await self.index.get_many(ids)
        people = [found[i] for i in ids if i in found]
        return Page(people, has_next, len(candidates),
                    [ordering.encode(order, values.get(p.person_id), p.person_id) for p in people], consulted,
                    searched_all=q.searches_everyone() or (q.among is None and order.field is not PERSON_ID))

    async def order_values(self, field: OrderField) -> dict[str, Any]:
        """Hub person id -> the value people are ordered by (people without one are left out)."""
        if field is PERSON_ID:
            return {}
        if field.owner == "index":
            return await self.index.order_values(field.source_field)
        connector = self.agencies[field.owner]
        by_key, links = await asyncio.gather(connector.order_values(field.source_field),
                                             self.index.links(connector.key_scheme))
        return {links[key]: value for key, value in by_key.items() if key in links}

    async def total(self, q: PeopleQuery | None = None) -> int:
        """How many people match ``q`` (everyone without one), across all pages."""
        matching = await self.matching_ids(q) if q is not None else None
        return len(matching) if matching is not None else await self.index.count()

"""The people a member of staff is assigned to, from each agency's own assignment data.

Assignments change a few times a day, while a caller may ask many times a minute, so each
(agency, user, kind) answer is kept for ``ttl`` seconds (``HUB_CASELOAD_TTL_SECONDS``, 0 turns it
off): a person moved off a caseload stays visible to the previous officer for at most that long.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cachetools import TLRUCache

from hub.core import telemetry
from hub.core.agency import Connector
from hub.services.agencies import Agencies
from hub.services.index.store import PersonIndex
from hub.services.relationships import referred_to

Key = tuple[str, str, str]


class CaseloadCache:
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        # An answer is as old as its load's start: it expires ``ttl`` after the load began, not ended.
        # The clock is read through the module at each use (tests move it).
        self._entries: TLRUCache[Key, tuple[float, frozenset[str]]] = TLRUCache(
            maxsize=max_entries, ttu=lambda _key, entry, _now: entry[0] + self.ttl,
            timer=lambda: time.monotonic())
        self._loading: dict[Key, asyncio.Task[tuple[float, frozenset[str]]]] = {}

    def fresh(self, key: Key) -> frozenset[str] | None:
        """The cached answer if it is still fresh, without awaiting anything."""
        hit = self._entries.get(key)
        return hit[1] if hit is not None else None

    def fresh_until(self, key: Key) -> float | None:
        """When the cached answer stops being used (``time.monotonic()``); None if none is cached."""
        hit = self._entries.get(key)
        return hit[0] + self.ttl if hit is not None else None

    async def get(self, key: Key, load: Callable[[], Awaitable[frozenset[str]]]) -> frozenset[str]:
        if self.ttl <= 0:
            return await load()
        hit = self.fresh(key)
        if hit is not None:
            return hit
        task = self._loading.get(key)
        if task is None:  # concurrent requests for the same caseload share one load
            task = self._loading[key] = asyncio.ensure_future(self._timed(load))
        try:
            entry = await task
        finally:
            self._loading.pop(key, None)
        self._entries[key] = entry
        return entry[1]

    @staticmethod
    async def _timed(load: Callable[[], Awaitable[frozenset[str]]]) -> tuple[float, frozenset[str]]:
        started = time.monotonic()
        return started, await load()


class CallerConditions:
    """Per-request facts the agreements' row conditions are checked against (loaded on first use)."""

    def __init__(self, index: PersonIndex, agencies: Agencies, agency: str, user_id: str,
                 cache: CaseloadCache | None = None) -> None:
        self._index = index
        self._agencies = agencies
        self._agency = agency
        self._user_id = user_id
        self._cache = cache or CaseloadCache(ttl=0)

    @property
    def agency(self) -> str:
        return self._agency

    def cached(self, kind: str) -> frozenset[str] | None:
        """``caseload``, ``victim_case`` or ``relationship`` if the cache holds a fresh answer (no await, no task)."""
        return self._cache.fresh((self._agency, self._user_id, kind))

    def fresh_until(self, kind: str) -> float | None:
        """Until when ``cached(kind)`` gives the answer it gives now (monotonic clock); None if nothing is cached."""
        return self._cache.fresh_until((self._agency, self._user_id, kind))

    async def caseload(self) -> frozenset[str]:
        """Offender manager's caseload, IOM officer's cohort, housing officer's or keyworker's cases."""
        connector = self._agencies.get(self._agency)
        if connector is None:  # partnership analysts, information governance: no caseload
            return frozenset()

        async def load() -> frozenset[str]:
            with telemetry.span("policy.condition caseload", {"hub.agency": self._agency}) as current:
                keys = await connector.caseload(self._user_id)
                people = frozenset(await self._index.resolve(connector.key_scheme, keys))
                current.set_attribute("hub.people", len(people))
                return people

        return await self._cache.get((self._agency, self._user_id, "caseload"), load)

    async def victim_cases(self) -> frozenset[str]:
        async def load() -> frozenset[str]:
            with telemetry.span("policy.condition victim_case") as current:
                async def held_by(c: Connector[Any]) -> set[str]:
                    return await self._index.resolve(c.key_scheme, await c.victim_cases(self._user_id))

                held = await asyncio.gather(*(held_by(c) for c in self._agencies.values()))
                people = frozenset(set().union(*held))
                current.set_attribute("hub.people", len(people))
                return people

        return await self._cache.get((self._agency, self._user_id, "victim_case"), load)

    async def relationship(self) -> frozenset[str]:
        """A legitimate relationship: the caller's caseload, and people with an open referral to its service."""

        async def load() -> frozenset[str]:
            caseload, referred = await asyncio.gather(self.caseload(), self._referred())
            return caseload | referred

        return await self._cache.get((self._agency, self._user_id, "relationship"), load)

    async def _referred(self) -> frozenset[str]:
        async def load() -> frozenset[str]:
            with telemetry.span("policy.condition relationship", {"hub.agency": self._agency}) as current:
                people = await referred_to(self._agencies, self._index, self._agency)
                current.set_attribute("hub.people", len(people))
                return people

        # The same for everyone in the agency (a referral is to the service), so cached once for all of them.
        return await self._cache.get((self._agency, "", "referred"), load)

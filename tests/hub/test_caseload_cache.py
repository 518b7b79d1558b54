"""Caseloads are reused for a short while, loaded once under concurrency, and not at all with TTL 0."""

from __future__ import annotations

import asyncio

import pytest

from hub.services.caseload import CaseloadCache


async def test_reuse_within_ttl_and_reload_after(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("hub.services.caseload.time.monotonic", lambda: now[0])
    loads = []

    async def load() -> frozenset[str]:
        loads.append(1)
        await asyncio.sleep(0)
        return frozenset({"H00000001"})

    cache = CaseloadCache(ttl=30)
    key = ("probation", "om-001", "caseload")
    results = await asyncio.gather(*(cache.get(key, load) for _ in range(10)))
    assert set(results) == {frozenset({"H00000001"})} and len(loads) == 1
    now[0] += 29
    await cache.get(key, load)
    assert len(loads) == 1
    now[0] += 2
    await cache.get(key, load)
    assert len(loads) == 2
    await cache.get(("probation", "om-002", "caseload"), load)
    assert len(loads) == 3


async def test_ttl_zero_always_loads() -> None:
    loads = []

    async def load() -> frozenset[str]:
        loads.append(1)
        return frozenset()

    cache = CaseloadCache(ttl=0)
    for _ in range(3):
        await cache.get(("police", "iom-officer-001", "caseload"), load)
    assert len(loads) == 3


async def test_fresh_answers_without_awaiting_and_expires_from_the_loads_start(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [500.0]
    monkeypatch.setattr("hub.services.caseload.time.monotonic", lambda: now[0])

    async def slow_load() -> frozenset[str]:
        now[0] += 10  # the load itself takes 10 seconds
        return frozenset({"H00000002"})

    cache = CaseloadCache(ttl=30)
    key = ("housing", "housing-officer-001", "caseload")
    assert cache.fresh(key) is None
    await cache.get(key, slow_load)
    now[0] += 19  # 29 seconds after the load began
    assert cache.fresh(key) == frozenset({"H00000002"})
    now[0] += 1
    assert cache.fresh(key) is None, "an answer is as old as the load that fetched it"


async def test_the_cache_holds_at_most_max_entries() -> None:
    async def load() -> frozenset[str]:
        return frozenset({"H00000003"})

    cache = CaseloadCache(ttl=30, max_entries=2)
    keys = [("police", f"iom-officer-00{i}", "caseload") for i in range(3)]
    for key in keys:
        await cache.get(key, load)
    assert sum(cache.fresh(key) is not None for key in keys) == 2
    assert cache.fresh(keys[-1]) is not None, "the newest answer is kept"

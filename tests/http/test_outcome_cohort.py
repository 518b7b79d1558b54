"""The release cohort does not depend on today or on the follow-up: each person counts once per release
quarter, so a quarter's cohort is the same in every measure that counts it and stays the same as later
quarters close (two tables never differ by a few people moved between quarters)."""

from __future__ import annotations

from datetime import date, timedelta

from hub.core.settings import Settings
from hub.services.cohort import quarter_end, quarter_of
from hub.services.counts import CountTables
from hub.services.disclosure import ALL, ProtectedTable
from hub.web.runtime import Hub
from schema.graph.types.counts import BREAKDOWNS, MEASURES
from tests.conftest import AS_OF

EVERY = list(BREAKDOWNS)
OUTCOMES = [name for name, m in MEASURES.items() if m.outcome is not None]


def quarter_totals(table: ProtectedTable) -> dict[str, int]:
    """Each quarter's cohort: the people counted in it, before suppression."""
    return {key[0]: n for key, n in table.counts.items()
            if "-Q" in key[0] and all(v == ALL for v in key[1:])}


async def tables_on(hub: Hub, today: date) -> dict[str, ProtectedTable]:
    tables = CountTables(hub.index, hub.agencies, ttl=3600, today=lambda: today)
    return {name: await tables.table(MEASURES[name], EVERY) for name in OUTCOMES}


async def test_a_quarters_cohort_is_the_same_in_every_measure_that_counts_it(settings: Settings) -> None:
    hub = Hub.open(settings)
    try:
        totals = {name: quarter_totals(t) for name, t in (await tables_on(hub, AS_OF)).items()}
    finally:
        await hub.close()
    shortest, longest = totals["HOUSED_ON_RELEASE_NIGHT"], totals["PROVEN_REOFFENDING_12_MONTHS"]
    # the longer follow-up leaves the last quarters out, and only those
    assert set(longest) < set(shortest)
    assert all(q < min(set(shortest) - set(longest)) for q in longest)
    for name, found in totals.items():
        assert set(found) <= set(shortest), name
        assert found == {q: shortest[q] for q in found}, name


async def test_a_quarters_cohort_stays_the_same_as_later_quarters_close(settings: Settings) -> None:
    hub = Hub.open(settings)
    try:
        before = await tables_on(hub, AS_OF)
        after = await tables_on(hub, AS_OF + timedelta(days=400))
    finally:
        await hub.close()
    for name in OUTCOMES:
        then, later = quarter_totals(before[name]), quarter_totals(after[name])
        assert set(then) < set(later), name  # a later quarter closed ...
        assert {q: later[q] for q in then} == then, name  # ... and no earlier one lost anyone
        # The cells of the earlier quarters are the same too, before suppression: people do not move.
        earlier = {k: n for k, n in before[name].counts.items() if k[0] in then}
        assert {k: n for k, n in after[name].counts.items() if k[0] in then} == earlier, name


async def test_someone_released_in_two_quarters_counts_once_in_each(settings: Settings) -> None:
    """The seeded data holds people released more than once (the tests above would pass trivially without)."""
    hub = Hub.open(settings)
    try:
        tables = CountTables(hub.index, hub.agencies, ttl=3600, today=lambda: AS_OF)
        released = await tables.facts().releases()
        housed = await tables.table(MEASURES["HOUSED_ON_RELEASE_NIGHT"], EVERY)
    finally:
        await hub.close()
    quarters: dict[str, set[str]] = {}
    for pid, r in released:
        if quarter_end(r.on) <= AS_OF:  # a quarter not over yet (or planned releases) is not counted
            quarters.setdefault(pid, set()).add(quarter_of(r.on))
    assert sum(len(q) > 1 for q in quarters.values()) >= 10
    counted = quarter_totals(housed)
    assert sum(counted.values()) == sum(len(q) for q in quarters.values())
    for q, n in counted.items():
        assert n == sum(q in held for held in quarters.values()), q

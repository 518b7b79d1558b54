"""Every method of every agency's connector interface answers the same over the agency's API as over its
database: records and lists by key, searches with criteria and candidates, caseloads, counts, order
values, releases, outcomes, breakdowns, referrals (real agency processes on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.http.connector import connect_http
from connectors.http.interface import criteria_of, endpoints, interface_of
from connectors.police.records import IomCohort, PoliceCriteria
from connectors.probation.records import Pathway, ProbationCriteria, ReleaseType
from connectors.registry import AGENCIES
from hub.core.agency import Agency, Connector
from hub.core.db import create_engine
from hub.core.offences import OffenceType
from hub.core.ogrs import OgrsBand
from hub.core.settings import Settings
from tests.conftest import AS_OF
from tests.http.conftest import STAFF

CRITERIA: dict[str, list[Any]] = {
    "police": [PoliceCriteria(iom_cohorts=frozenset({IomCohort.FIXED, IomCohort.FLEX})),
               PoliceCriteria(arrested_since=datetime(2026, 10, 1, 6, 30, tzinfo=UTC))],
    "probation": [ProbationCriteria(ogrs_bands=frozenset({OgrsBand.HIGH}),
                                    offence_types=frozenset({OffenceType.ROBBERY})),
                  ProbationCriteria(released_from=date(2025, 1, 1), released_to=date(2026, 12, 31),
                                    release_types=frozenset(ReleaseType), licence_conditions_in_force_on=AS_OF),
                  ProbationCriteria(mappa_levels=frozenset({1, 2, 3})),
                  ProbationCriteria(open_referral_pathways=frozenset({Pathway.ACCOMMODATION,
                                                                      Pathway.DRUGS_ALCOHOL}))],
}


Pair = tuple[Agency, Connector[Any], Connector[Any]]


@pytest.fixture
async def pairs(settings: Settings, http_settings: Settings) -> AsyncIterator[list[Pair]]:
    made = [(a.agency, a.agency.connect(create_engine(settings.agency_url(a.name))),
             connect_http(a.agency, http_settings)) for a in AGENCIES]
    yield made
    for _, sql, http in made:
        await sql.close()
        await http.close()


def _all(agency: Agency) -> Any:
    criteria = criteria_of(interface_of(agency))
    return None if criteria is type(None) else criteria()


class Compare:
    def __init__(self, pair: Pair) -> None:
        self.agency, self.sql, self.http = pair
        self.asked: set[str] = set()

    async def __call__(self, method: str, *args: Any) -> Any:
        self.asked.add(method)
        expected = await getattr(self.sql, method)(*args)
        got = await getattr(self.http, method)(*args)
        assert got == expected, (self.agency.name, method, args)
        return expected


async def test_every_method_answers_the_same_over_http(pairs: list[Pair]) -> None:
    staff = sorted({user for user, _ in STAFF.values()} | {"om-002", "nobody"})
    for agency, sql, http in pairs:
        same = Compare((agency, sql, http))
        asked = same.asked

        keys = sorted(await same("search", _all(agency)))
        assert len(keys) > 50, agency.name
        some = [*keys[::3], "NOT-A-KEY"]
        for criteria in CRITERIA.get(agency.name, [_all(agency)]):
            found = await same("search", criteria)
            assert found, (agency.name, criteria)
            await same("search", criteria, some)
        await same("search", _all(agency), [])
        for ep in endpoints(agency).values():
            if ep.keyed:
                loaded = await same(ep.method, some)
                assert loaded and "NOT-A-KEY" not in loaded, (agency.name, ep.method)
                await same(ep.method, [])
        for user in staff:
            await same("caseload", user)
            await same("victim_cases", user)
        for field in agency.measures.values():
            assert await same("counts", field)
        for order in agency.orders:
            values = await same("order_values", order.source_field)
            assert values and type(next(iter(values.values()))) in (int, date, datetime), order
        for field in agency.breakdowns.values():
            if agency.release_field is None:
                await same("breakdown_values", field)
        releases = await same("releases")
        assert bool(releases) == (agency.release_field is not None)
        released = {k: [date(2025, 6, 1), date(2026, 2, 1)] for k in keys[::2]}
        for outcome in agency.outcomes.values():
            await same("outcomes", outcome.source_field, released)
        for pathway in Pathway:
            await same("open_referrals", pathway.value)
        await same("referred", AS_OF)
        unknown: tuple[tuple[str, tuple[Any, ...]], ...] = (
            ("counts", ()), ("order_values", ()), ("breakdown_values", ()), ("outcomes", ({},)))
        for method, args in unknown:
            asked.add(method)
            try:  # a field the agency does not answer for: the same ValueError (or answer) either way
                expected = await getattr(sql, method)("no-such-field", *args)
            except ValueError:
                with pytest.raises(ValueError):
                    await getattr(http, method)("no-such-field", *args)
            else:
                assert await getattr(http, method)("no-such-field", *args) == expected
        assert asked == set(endpoints(agency)), "every method of the interface is compared"
        await http.health()

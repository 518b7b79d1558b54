"""The hub over HTTP connectors and over SQL connectors, side by side: the same data, the same errors and
the same audit records for every role and purpose that gets person-level answers, pages, lookups, searches,
orders and counts; and a page costs each agency the same number of requests whatever its size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.http.connector import HttpConnector
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.http.conftest import Governed
from tests.http.test_prefetch import COHORT, ONE, PAGE, _audited, _comparable, _justification
from tests.http.test_sharing_matrix import ANSWERED
from tests.http.test_sharing_matrix import QUERY as MATRIX_QUERY

ORDERED = """query($first: Int!) { people(first: $first, orderBy: {field: OGRS_SCORE, direction: DESC}) {
  totalCount edges { node { id probation { ogrsScore } } } } }"""
BY_ARREST = """query { people(first: 10, orderBy: {field: LATEST_ARREST}) { edges { node { id
  police { arrests { arrestedAt } } } } } }"""
LOOKUP = """query { peopleByIdentifiers(scheme: CRN, values: ["X000001", "A123456"]) { id name } }"""
COUNTS = """query { a: partnershipCounts(measure: OGRS_BAND) { total cells { value count suppressed } }
  b: partnershipCounts(measure: HOUSED_ON_RELEASE_NIGHT, by: [BOROUGH]) { total cells { value count suppressed } } }"""


@pytest.fixture
async def over_sql(settings: Settings, tmp_path: Path) -> AsyncIterator[Governed]:
    """The hub over the agencies' databases, with an audit trail of its own."""
    own = settings.model_copy(update={"audit_url": f"sqlite+aiosqlite:///{tmp_path / 'sql-audit.db'}"})
    hub = Hub.open(own)
    app = create_app(own, hub=hub)
    yield Governed(app, own, hub)
    await app.state.governance.audit.close()
    await hub.close()


@pytest.mark.parametrize(("role", "purpose"), ANSWERED, ids=[f"{r}-{p}" for r, p in ANSWERED])
async def test_the_same_answers_and_audit_over_http_as_over_sql(
        over_sql: Governed, over_api: Governed, role: str, purpose: str) -> None:
    asks = [(PAGE, {"first": 20}), (ONE, {}), (MATRIX_QUERY, {}), (COHORT, {"first": 10}), (ORDERED, {"first": 15}),
            (BY_ARREST, {}), (LOOKUP, {})]
    for query, variables in asks:
        answers = [await hub.ask(query, variables, role=role, purpose=purpose, justification=_justification(purpose))
                   for hub in (over_sql, over_api)]
        assert _comparable(answers[0]) == _comparable(answers[1]), (role, purpose, query[:60])
    sql_records, http_records = await over_sql.records(), await over_api.records()
    assert len(sql_records) == len(http_records) == len(asks)
    assert [_audited(r) for r in sql_records] == [_audited(r) for r in http_records]


async def test_the_same_counts_over_http(over_sql: Governed, over_api: Governed) -> None:
    answers = [await hub.ask(COUNTS, role="partnership-analyst", purpose="partnership-analytics")
               for hub in (over_sql, over_api)]
    assert answers[0]["data"]["a"]["total"] > 0 and _comparable(answers[0]) == _comparable(answers[1])
    assert [_audited(r) for r in await over_sql.records()] == [_audited(r) for r in await over_api.records()]


def _requests(hub: Hub) -> dict[str, int]:
    return {name: c.requests for name, c in hub.agencies.items() if isinstance(c, HttpConnector)}


async def test_a_page_costs_each_agency_the_same_requests_whatever_its_size(over_api: Governed) -> None:
    await over_api.ask(PAGE, {"first": 1}, role="probation-practitioner", purpose="mappa")  # tokens, caseload
    spent: dict[int, dict[str, int]] = {}
    for size in (5, 200):
        before = _requests(over_api.hub)
        got = await over_api.ask(PAGE, {"first": size}, role="probation-practitioner", purpose="mappa")
        assert len(got["data"]["people"]["edges"]) == size
        after = _requests(over_api.hub)
        spent[size] = {name: after[name] - before[name] for name in after}
    assert spent[5] == spent[200], spent
    assert sum(spent[5].values()) >= 3, spent
    print(f"agency requests for a page of 5 and of 200: {spent}")

"""The graph over the agencies, with governance off: the data path itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.conftest import AS_OF, PEOPLE
from tests.graph_client import GraphClient

FULL = """
fragment Full on Person {
  id name dateOfBirth birthYear
  identifiers { pncId croNumber crn prisonNumber nhsNumber housingReference }
  police { iomCohort iomOfficer { name } warningMarkers { marker } arrests { arrestedAt offence outcome }
           intelligence { grading summary detail } }
  probation { custodyStatus tier offenderManager { name email } ogrsScore ogrsBand roshLevel mappaCategory
              mappaLevel releaseDate releaseType licenceConditions { kind description }
              sentences { kind releaseDate } referrals { pathway open } }
  housing { address { line postcode uprn } postcodeDistrict borough accommodationStatus statusSince dutyStage
            dutyToRefer { referredOn status } placements { kind startsOn } }
  treatment { engaged service episodes { substance } ostPrescriptions { medication dailyDoseMg }
              requirements { kind } appointments { kind } consents { shareWith } }
}
"""

PEOPLE_QUERY = """
query($first: Int!, $after: String, $filter: PeopleFilter) {
  people(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ...Fields } }
  }
}
fragment Fields on Person { %s }
"""


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


@pytest.fixture
def graph(settings: Settings, hub: Hub) -> GraphClient:
    return GraphClient(create_app(settings, governance=False, hub=hub))


async def people(graph: GraphClient, first: int, filter: dict[str, Any] | None = None,
                 after: str | None = None, fields: str = "id") -> dict[str, Any]:
    query = PEOPLE_QUERY % fields + (FULL if "...Full" in fields else "")
    result = await graph.query(query, {"first": first, "after": after, "filter": filter})
    assert "errors" not in result, result["errors"]
    page: dict[str, Any] = result["data"]["people"]
    return page


def nodes(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in page["edges"]]


async def test_first_twenty_people_include_records_from_all_four_agencies(graph: GraphClient) -> None:
    found = nodes(await people(graph, 20, fields="...Full"))
    assert len(found) == 20
    complete = [p for p in found if all(p[a] is not None for a in ("police", "probation", "housing", "treatment"))]
    assert complete, "no one in the first page has records in all four agencies"
    p = complete[0]
    assert p["name"] and date.fromisoformat(p["dateOfBirth"]).year == p["birthYear"]
    assert p["identifiers"]["crn"] and p["identifiers"]["pncId"] and p["identifiers"]["nhsNumber"]
    assert p["probation"]["ogrsBand"] in ("LOW", "MEDIUM", "HIGH")


@pytest.mark.parametrize("first", [1, 7, 50])
async def test_pagination_walks_every_person_once_in_id_order(graph: GraphClient, first: int) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = await people(graph, first, after=after)
        ids = [e["node"]["id"] for e in page["edges"]]
        assert 0 < len(ids) <= first
        seen += ids
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(set(seen)) == PEOPLE == len(seen)


async def test_statement_count_does_not_grow_with_page_size(graph: GraphClient, hub: Hub) -> None:
    counts = []
    for first in (5, 50, 200):
        with count_statements(hub.sql_engines()) as counted:
            page = await people(graph, first, fields="...Full")
        assert len(page["edges"]) == first
        counts.append(sum(counted.values()))
    assert counts[0] == counts[1] == counts[2], counts
    # index page + people + totalCount, then one statement per agency table touched: agencies x nesting
    assert counts[0] <= 3 + 4 + 4 + 3 + 6, counts


async def test_person_and_lookup_by_each_identifier_find_the_same_person(graph: GraphClient) -> None:
    full = nodes(await people(graph, 20, fields="...Full"))
    p = next(x for x in full if x["treatment"] and x["housing"] and x["identifiers"]["croNumber"])
    result = await graph.query("query($id: ID!) { person(id: $id) { id name } }", {"id": p["id"]})
    assert result["data"]["person"] == {"id": p["id"], "name": p["name"]}
    for scheme, key in (("PNC_ID", "pncId"), ("CRO_NUMBER", "croNumber"), ("CRN", "crn"),
                        ("NHS_NUMBER", "nhsNumber"), ("HOUSING_REFERENCE", "housingReference")):
        value = p["identifiers"][key]
        result = await graph.query(
            "query($s: IdentifierScheme!, $v: String!) { personByIdentifier(scheme: $s, value: $v) { id } }",
            {"s": scheme, "v": value.lower() if scheme != "NHS_NUMBER" else value},
        )
        assert result["data"]["personByIdentifier"] == {"id": p["id"]}, scheme


async def test_unknown_person_is_null_not_an_error(graph: GraphClient) -> None:
    result = await graph.query('{ person(id: "H99999999") { id } }')
    assert result == {"data": {"person": None}}
    result = await graph.query('{ personByIdentifier(scheme: CRN, value: "Z999999") { id } }')
    assert result == {"data": {"personByIdentifier": None}}


@pytest.mark.parametrize(("query", "argument"), [
    ('{ personByIdentifier(scheme: PNC_ID, value: "2001/0123456A") { id } }', "pncId"),
    ('{ personByIdentifier(scheme: PNC_ID, value: "not a pnc") { id } }', "pncId"),
    ('{ personByIdentifier(scheme: NHS_NUMBER, value: "9434765918") { id } }', "nhsNumber"),
    ('{ personByIdentifier(scheme: CRO_NUMBER, value: "123456/01Z") { id } }', "croNumber"),
    ('{ personByIdentifier(scheme: CRN, value: "12345") { id } }', "crn"),
    ('{ personByIdentifier(scheme: PRISON_NUMBER, value: "A12BC") { id } }', "prisonNumber"),
    ('{ personByIdentifier(scheme: HOUSING_REFERENCE, value: "H1") { id } }', "housingReference"),
])
async def test_malformed_identifier_is_bad_user_input_naming_the_scheme(
        graph: GraphClient, query: str, argument: str) -> None:
    result = await graph.query(query)
    assert result["data"] == {"personByIdentifier": None}
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["scheme"] == argument


@pytest.mark.parametrize("query", [
    '{ people(after: "bm90IGEgY3Vyc29y") { edges { cursor } } }',
    '{ people(after: "%%%") { edges { cursor } } }',
    '{ people(first: 0) { edges { cursor } } }',
    '{ people(first: 100000) { edges { cursor } } }',
    '{ person(id: "42") { id } }',
    '{ people(filter: {mappaLevels: [7]}) { edges { cursor } } }',
    '{ people(filter: {boroughs: []}) { edges { cursor } } }',
    '{ people(filter: {releasedBetween: {from: "2026-12-01", to: "2026-01-01"}}) { edges { cursor } } }',
])
async def test_bad_cursor_argument_or_filter_is_bad_user_input(graph: GraphClient, query: str) -> None:
    result = await graph.query(query)
    # people is non-null so its error nulls the whole response; person is nullable so only it is null
    assert result["data"] is None or set(result["data"].values()) == {None}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]


async def test_query_not_matching_the_schema_is_a_validation_error(graph: GraphClient) -> None:
    result = await graph.query("{ people { edges { node { favouriteColour } } } }")
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    result = await graph.query('{ people(filter: {iomCohorts: [SOMETIMES]}) { totalCount } }')
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize(("raw", "content_type"), [
    (b'{"query": "{ people { totalCount } }"', "application/json"),
    (b"not json at all", "application/json"),
    (b'{"query": 42}', "application/json"),
    (b"query=%7B%7D", "text/plain"),
])
async def test_malformed_or_non_graphql_body_is_http_400(graph: GraphClient, raw: bytes, content_type: str) -> None:
    response = await graph.post(None, raw=raw, content_type=content_type)
    assert response.status_code in (400, 415)


async def test_health_and_readiness(graph: GraphClient, settings: Settings) -> None:
    assert (await graph.get("/healthz")).json() == {"status": "ok"}
    ready = await graph.get("/readyz")
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) >= {"police", "probation", "housing", "treatment", "index"}


async def test_readiness_fails_when_an_agency_database_is_missing(tmp_path: Any, settings: Settings) -> None:

    broken = settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                            "housing": f"sqlite+aiosqlite:///{tmp_path}/nope/housing.db"}))
    hub = Hub.open(broken)
    try:
        response = await GraphClient(create_app(broken, governance=False, hub=hub)).get("/readyz")
    finally:
        await hub.close()
    assert response.status_code == 503
    assert response.json()["checks"]["housing"].startswith("failing")
    assert response.json()["checks"]["police"] == "ok"


# ---- filters: each checked against the agency data directly -------------------------------------------

async def all_people(graph: GraphClient, filter: dict[str, Any], fields: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page = await people(graph, 200, filter=filter, after=after, fields=fields)
        out += nodes(page)
        assert page["totalCount"] == len(out) or page["pageInfo"]["hasNextPage"]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def test_filter_by_borough_includes_nfa_people_in_their_last_borough(graph: GraphClient) -> None:
    everyone = [p for p in await all_people(graph, {}, "id housing { borough lastKnownBorough accommodationStatus }")
                if p["housing"]]
    # Where someone lives, when they live somewhere; the last borough otherwise, which manages the case.
    for p in everyone:
        h = p["housing"]
        no_abode = h["accommodationStatus"] in ("NFA", "ROUGH_SLEEPING")
        assert h["borough"] == (None if no_abode else h["lastKnownBorough"]) and h["lastKnownBorough"], p
    borough = max({p["housing"]["lastKnownBorough"] for p in everyone},
                  key=lambda b: sum(1 for p in everyone if p["housing"]["lastKnownBorough"] == b))
    expected = {p["id"] for p in everyone if p["housing"]["lastKnownBorough"] == borough}
    got = await all_people(graph, {"boroughs": [borough]}, "id housing { borough }")
    assert {p["id"] for p in got} == expected
    assert any(p["housing"]["borough"] is None for p in got), "no NFA case in the busiest borough to check"


async def test_each_filter_returns_exactly_the_matching_people(graph: GraphClient) -> None:
    fields = ("id police { iomCohort arrests { arrestedAt } } probation { mappaLevel ogrsScore releaseDate } "
              "housing { accommodationStatus }")
    everyone = await all_people(graph, {}, fields)
    since = f"{AS_OF - timedelta(days=30)}T00:00:00"
    lo, hi = AS_OF - timedelta(days=90), AS_OF + timedelta(days=30)

    def released(p: dict[str, Any]) -> bool:
        # releaseDate is the latest release; the filter matches any sentence's release in range
        return bool(p["probation"] and p["probation"]["releaseDate"]
                    and lo <= date.fromisoformat(p["probation"]["releaseDate"]) <= hi)

    cases: list[tuple[dict[str, Any], Any]] = [
        ({"iomCohorts": ["FIXED", "FLEX"]},
         lambda p: p["police"] and p["police"]["iomCohort"] in ("FIXED", "FLEX")),
        ({"mappaLevels": [1]}, lambda p: p["probation"] and p["probation"]["mappaLevel"] == 1),
        ({"ogrsBands": ["HIGH"]}, lambda p: p["probation"] and p["probation"]["ogrsScore"] >= 75),
        ({"ogrsBands": ["MEDIUM"]}, lambda p: p["probation"] and 50 <= p["probation"]["ogrsScore"] <= 74),
        ({"accommodationStatuses": ["NFA", "ROUGH_SLEEPING"]},
         lambda p: p["housing"] and p["housing"]["accommodationStatus"] in ("NFA", "ROUGH_SLEEPING")),
        ({"arrestedSince": since},
         lambda p: p["police"] and any(a["arrestedAt"] >= since for a in p["police"]["arrests"])),
        ({"iomCohorts": ["FIXED", "FLEX", "FREE"], "ogrsBands": ["HIGH"]},
         lambda p: p["police"] and p["police"]["iomCohort"] and p["probation"] and p["probation"]["ogrsScore"] >= 75),
    ]
    for filter, matches in cases:
        expected = {p["id"] for p in everyone if matches(p)}
        got = {p["id"] for p in await all_people(graph, filter, "id")}
        assert got == expected, filter
        assert expected, f"synthetic data has nobody for {filter}"
    in_range = {p["id"] for p in everyone if released(p)}
    got = {p["id"] for p in await all_people(graph, {"releasedBetween": {"from": str(lo), "to": str(hi)}}, "id")}
    assert in_range <= got and got, "releasedBetween missed someone whose latest release is in range"


async def test_people_by_identifiers_keeps_order_and_nulls_unknowns(graph: GraphClient) -> None:
    first = nodes(await people(graph, 3, fields="id identifiers { crn }"))
    crns = [p["identifiers"]["crn"] for p in first if p["identifiers"]["crn"]]
    unknown = "Z999999"
    assert unknown not in crns
    query = "query($v: [String!]!) { peopleByIdentifiers(scheme: CRN, values: $v) { id } }"
    result = await graph.query(query, {"v": [crns[1], unknown, crns[0]]})
    assert result["data"]["peopleByIdentifiers"] == [{"id": first[1]["id"]}, None, {"id": first[0]["id"]}]
    bad = await graph.query(query, {"v": [crns[0], "not-a-crn"]})
    assert [e["extensions"]["code"] for e in bad["errors"]] == ["BAD_USER_INPUT"]


async def test_overnight_arrests_by_since(graph: GraphClient) -> None:
    since = f"{AS_OF - timedelta(days=1)}T18:00:00"
    everyone = await all_people(graph, {}, "id police { arrests { arrestedAt } }")
    expected = {p["id"]: sorted(a["arrestedAt"] for a in p["police"]["arrests"] if a["arrestedAt"] >= since)
                for p in everyone if p["police"]}
    expected = {k: v for k, v in expected.items() if v}
    assert expected, "nobody arrested overnight in the synthetic data"
    got = await all_people(graph, {"arrestedSince": since},
                           f'id police {{ arrests(since: "{since}") {{ arrestedAt }} }}')
    assert {p["id"]: sorted(a["arrestedAt"] for a in p["police"]["arrests"]) for p in got} == expected
    utc = await all_people(graph, {"arrestedSince": since + "Z"},
                           f'id police {{ arrests(since: "{since}Z") {{ arrestedAt }} }}')
    assert {p["id"] for p in utc} == set(expected)

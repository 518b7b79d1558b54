"""What a response says beside its data: a refused argument fails only its own field, ``extensions.scope``
says when a search covered only the caller's own people, and ``extensions.withheld`` lists every withheld
value by path (the same paths as the FIELD_NOT_SHARED errors, never a value).

Expected answers come from the seeded tables (plain SQL) and the agreements' rules written out again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from hub.core.settings import Settings
from tests.graph_client import GraphClient
from tests.http.conftest import Governed
from tests.http.seeded import Seeded, as_datetime

SEARCH = "people(first: 500, filter: %s) { totalCount edges { node { id } } }"


@pytest.fixture
async def seeded(settings: Settings, truth: GraphClient) -> Seeded:
    return await Seeded(settings, truth).link()


async def housing_relief(seeded: Seeded) -> set[str]:
    return await seeded.people("housing", "housingReference",
                               "SELECT housing_ref FROM housing_client WHERE duty_stage = 'relief'")


def ids(connection: dict[str, Any]) -> set[str]:
    return {e["node"]["id"] for e in connection["edges"]}


# ---- a refused argument fails only its own field -------------------------------------------------------

async def test_a_refused_alias_is_null_and_its_sibling_answered(governed: Governed) -> None:
    # Housing officers may filter by their own duty stage, never by probation's offence (HOUS-ISA, PROB-ISA).
    allowed = "mine: " + SEARCH % "{dutyStages: [RELIEF]}"
    refused = "theirs: " + SEARCH % "{offenceTypes: [ROBBERY]}"
    alone = await governed.ask(f"{{ {allowed} }}", role="housing-officer", purpose="housing-referral")
    both = await governed.ask(f"{{ {allowed} {refused} }}", role="housing-officer", purpose="housing-referral")
    assert "errors" not in alone and alone["data"]["mine"]["edges"]
    assert both["data"] == {"mine": alone["data"]["mine"], "theirs": None}
    [error] = both["errors"]
    assert error["extensions"]["code"] == "FILTER_NOT_PERMITTED" and error["path"] == ["theirs"]
    assert error["extensions"]["argument"] == "offenceTypes"
    # The refused alias read and disclosed nothing: the trail says exactly what the sibling alone says.
    first, second = (await governed.records())[-2:]
    for kept in ("subjects", "disclosed", "withheld", "masked", "access", "aggregates", "clauses", "legal_bases"):
        assert getattr(second.event, kept) == getattr(first.event, kept), kept
    assert second.event.subjects and "FILTER_NOT_PERMITTED" in second.event.error_codes


async def test_a_refused_root_field_beside_a_lookup(governed: Governed, seeded: Seeded) -> None:
    caseload = sorted(await seeded.offender_managers_caseload("om-001"))
    query = f'{{ person(id: "{caseload[0]}") {{ id }} people(first: 0) {{ totalCount }} }}'
    result = await governed.ask(query, role="probation-practitioner", purpose="daily-intel")
    assert result["data"] == {"person": {"id": caseload[0]}, "people": None}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]


# ---- extensions.scope ------------------------------------------------------------------------------------

async def test_a_search_narrowed_to_the_caseload_says_so(governed: Governed, seeded: Seeded) -> None:
    # Probation reads housing's duty stage for its own caseload only (HOUS-ISA): the search covers only it.
    caseload = await seeded.offender_managers_caseload("om-001")
    result = await governed.ask("{ %s }" % (SEARCH % "{dutyStages: [RELIEF]}"), role="probation-practitioner",
                                purpose="daily-intel")
    assert ids(result["data"]["people"]) == await housing_relief(seeded) & caseload
    assert result["extensions"]["scope"] == {"narrowedTo": "caseload", "paths": [["people"]],
                                             "arguments": ["filter.dutyStages"]}


async def test_a_search_over_everyone_has_no_scope(governed: Governed) -> None:
    result = await governed.ask("{ %s }" % (SEARCH % "{offenceTypes: [ROBBERY]}"), role="probation-practitioner",
                                purpose="daily-intel")
    assert result["data"]["people"]["edges"] and "scope" not in result.get("extensions", {})


async def test_scope_names_each_narrowed_alias_and_branch(governed: Governed, seeded: Seeded) -> None:
    # Police read probation's referrals for their own cohort only, IOM cohorts of everyone.
    wide = SEARCH % "{iomCohorts: [FIXED]}"
    narrow = SEARCH % "{anyOf: [{iomCohorts: [FIXED]}, {openReferralPathways: [ACCOMMODATION]}]}"
    query = f"{{ wide: {wide} narrow: {narrow} }}"
    result = await governed.ask(query, role="police-iom-officer", purpose="iom")
    assert "errors" not in result
    assert result["extensions"]["scope"] == {"narrowedTo": "caseload", "paths": [["narrow"]],
                                             "arguments": ["filter.anyOf[1].openReferralPathways"]}
    cohort = await seeded.iom_cohort("iom-officer-001")
    fixed = await seeded.people("police", "pncId", "SELECT pnc_id FROM nominal WHERE iom_cohort = 'fixed'")
    assert ids(result["data"]["wide"]) == fixed
    assert ids(result["data"]["narrow"]) - fixed <= cohort


async def test_an_order_narrowed_to_the_caseload_says_so(governed: Governed, seeded: Seeded) -> None:
    # Police read release dates for their own cohort only (PROB-ISA 6.1): ordering by them ranges over it alone.
    result = await governed.ask("{ people(first: 500, orderBy: {field: RELEASE_DATE}) { edges { node { id } } } }",
                                role="police-iom-officer", purpose="iom")
    found = ids(result["data"]["people"])
    assert found and found <= await seeded.iom_cohort("iom-officer-001")
    assert result["extensions"]["scope"] == {"narrowedTo": "caseload", "paths": [["people"]],
                                             "arguments": ["orderBy"]}


# ---- extensions.withheld ---------------------------------------------------------------------------------

def withheld_in_errors(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(repr(path), e["extensions"]["field"]) for e in result.get("errors", [])
            if e["extensions"]["code"] == "FIELD_NOT_SHARED" for path in e["extensions"]["paths"]}


def at(data: Any, path: list[str | int]) -> Any:
    for step in path:
        data = data[step]
    return data


async def test_withheld_records_are_listed_by_path(governed: Governed, seeded: Seeded) -> None:
    # Housing officers are given nothing of the police record (POL-ISA 3.3, 4.3, 5.3, 6.3: deny).
    query = "{ people(first: 5, filter: {onMyCaseload: true}) { edges { node { id police { iomCohort } } } } }"
    result = await governed.ask(query, role="housing-officer", purpose="housing-referral")
    edges = result["data"]["people"]["edges"]
    assert edges
    expected = [{"path": ["people", "edges", i, "node", "police"], "field": "Person.police",
                 "reason": "denied", "code": "FIELD_NOT_SHARED"} for i in range(len(edges))]
    assert result["extensions"]["withheld"] == expected
    assert withheld_in_errors(result) == {(repr(w["path"]), w["field"]) for w in expected}


async def test_withheld_fields_match_the_errors_and_the_nulls(governed: Governed) -> None:
    # Police see probation's risk only for their own cohort: outside it each asked field is withheld.
    query = ("{ people(first: 60) { edges { node { id probation { roshLevel ogrsBand } "
             "housing { accommodationStatus } } } } }")
    result = await governed.ask(query, role="police-iom-officer", purpose="iom")
    withheld = result["extensions"]["withheld"]
    assert withheld
    assert {(repr(w["path"]), w["field"]) for w in withheld} == withheld_in_errors(result)
    for w in withheld:
        assert set(w) == {"path", "field", "reason", "code"} and w["code"] == "FIELD_NOT_SHARED"
        assert at(result["data"], w["path"]) is None


async def test_nothing_withheld_nothing_listed(governed: Governed) -> None:
    result = await governed.ask("{ people(first: 3) { edges { node { id } } } }", role="probation-practitioner",
                                purpose="daily-intel")
    assert "withheld" not in result.get("extensions", {}) and "errors" not in result


# ---- every DateTime carries its offset -------------------------------------------------------------------

async def test_every_date_time_carries_its_utc_offset(governed: Governed, seeded: Seeded) -> None:
    # The police system records naive UTC times; the hub gives them their offset.
    query = ("{ people(first: 500, filter: {onMyCaseload: true}) { edges { node { "
             "police { arrests { arrestedAt } } } } } }")
    result = await governed.ask(query, role="police-iom-officer", purpose="iom")
    times = [a["arrestedAt"] for e in result["data"]["people"]["edges"] if e["node"]["police"]
             for a in e["node"]["police"]["arrests"] or []]
    assert times
    stored = {as_datetime(r[0]) for r in await seeded.rows("police", "SELECT arrested_at FROM arrest")}
    for value in times:
        at = datetime.fromisoformat(value)
        assert at.utcoffset() == timedelta(0) and value.endswith("+00:00")
        assert at.replace(tzinfo=None) in stored


async def test_a_search_narrowed_to_a_relationship_says_so(governed: Governed, seeded: Seeded) -> None:
    # Treatment keyworkers read housing's borough only for people they have a relationship with (HOUS-ISA 6.4).
    result = await governed.ask("{ %s }" % (SEARCH % "{boroughs: [HACKNEY]}"), role="treatment-keyworker",
                                purpose="continuity-of-care")
    hackney = await seeded.people("housing", "housingReference",
                                  "SELECT housing_ref FROM housing_client WHERE borough = 'Hackney'")
    found = ids(result["data"]["people"])
    assert found and found <= hackney
    assert result["extensions"]["scope"] == {"narrowedTo": "relationship", "paths": [["people"]],
                                             "arguments": ["filter.boroughs"]}

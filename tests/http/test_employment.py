"""The fifth agency through the graph: its identifier, its record, its agreement and its measures."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.employment.identifiers import validate_ni_number
from connectors.registry import validate
from hub.core.errors import BadUserInput
from hub.services.caseload import CallerConditions
from tests.graph_client import GraphClient
from tests.http.conftest import Governed

RECORD = ("query($id: ID!) { person(id: $id) { name identifiers { niNumber } employment { employmentStatus "
          "releasedOn employedSixWeeksAfterRelease adviser { name } eteReferrals { kind status } "
          "jobs { employer } } } }")
LOOKUP = "query($v: String!) { personByIdentifier(scheme: NI_NUMBER, value: $v) { id } }"


@pytest.mark.parametrize(("value", "canonical"), [("AB123456C", "AB123456C"), ("ab 12 34 56 c", "AB123456C"),
                                                  ("ZA000000D", "ZA000000D")])
def test_a_valid_ni_number_comes_back_canonical(value: str, canonical: str) -> None:
    assert validate_ni_number(value) == canonical == validate("niNumber", value)


@pytest.mark.parametrize("value", [
    "DA123456A",   # first letter D is never used
    "AO123456A",   # second letter O is never used
    "BG123456A",   # a prefix never issued
    "NK123456B", "TN123456C", "ZZ123456D",
    "AB123456E",   # the suffix is A to D
    "AB12345C",    # five digits
    "A1123456C",
])
def test_an_invalid_ni_number_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        validate("niNumber", value)
    assert raised.value.extensions["scheme"] == "niNumber" and value not in raised.value.message


async def test_a_lookup_by_an_invalid_ni_number_is_bad_user_input(governed: Governed) -> None:
    body = await governed.ask(LOOKUP, {"v": "BG123456A"}, role="employment-adviser", purpose="employment-support")
    assert body["data"] is None or body["data"]["personByIdentifier"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "BG123456A" not in error["message"]


async def mine(governed: Governed) -> frozenset[str]:
    hub = governed.hub
    return await CallerConditions(hub.index, hub.agencies, "employment", "employment-adviser-001").relationship()


async def test_a_work_coach_reads_the_record_of_their_own_people_and_is_found_no_one_else(
        governed: Governed, truth: GraphClient) -> None:
    identified = await mine(governed)
    everyone = await truth.query("{ people(first: 300) { edges { node { id identifiers { niNumber } } } } }")
    held = {e["node"]["id"]: e["node"]["identifiers"]["niNumber"] for e in everyone["data"]["people"]["edges"]
            if e["node"]["identifiers"]["niNumber"]}
    inside = sorted(set(held) & identified)
    outside = sorted(set(held) - identified)
    assert inside and outside
    body = await governed.ask(RECORD, {"id": inside[0]}, role="employment-adviser", purpose="employment-support")
    assert "errors" not in body, body["errors"]
    person: dict[str, Any] = body["data"]["person"]
    assert person["name"] and person["identifiers"]["niNumber"] == held[inside[0]]
    assert person["employment"]["employmentStatus"] and isinstance(person["employment"]["jobs"], list)
    # Someone they have no relationship with is as unknown as an id that does not exist.
    for person_id in (outside[0], "H99999999"):
        unknown = await governed.ask(RECORD, {"id": person_id}, role="employment-adviser",
                                     purpose="employment-support")
        assert unknown["data"]["person"] is None and "errors" not in unknown
    # Nor can the NI number of someone outside be used to find them.
    looked = await governed.ask(LOOKUP, {"v": held[outside[0]]}, role="employment-adviser",
                                purpose="employment-support")
    assert looked["data"]["personByIdentifier"] is None


async def test_probation_sees_employment_for_its_caseload_only_and_never_the_ni_number(
        governed: Governed, truth: GraphClient) -> None:
    body = await governed.ask("{ people(first: 40) { edges { node { id identifiers { niNumber } "
                              "employment { employmentStatus jobs { employer } } } } } }",
                              role="probation-practitioner", purpose="employment-support")
    hub = governed.hub
    caseload = await CallerConditions(hub.index, hub.agencies, "probation", "om-001").caseload()
    real = await truth.query("{ people(first: 40) { edges { node { id employment { employmentStatus } } } } }")
    held = {e["node"]["id"] for e in real["data"]["people"]["edges"] if e["node"]["employment"]}
    shown = {e["node"]["id"] for e in body["data"]["people"]["edges"] if e["node"]["employment"]}
    assert shown == held & caseload and shown
    assert all((e["node"]["identifiers"] or {}).get("niNumber") is None for e in body["data"]["people"]["edges"]), \
        [e["node"]["identifiers"] for e in body["data"]["people"]["edges"]][:5]
    # Asked only for the NI number, the identifiers are withheld whole, under the Employment ISA's clause.
    assert any(e["extensions"]["code"] == "FIELD_NOT_SHARED" and e["extensions"]["clause"] == "EMP-ISA 3.2"
               for e in body["errors"])


async def test_the_board_s_employment_measures_are_counts_for_analysts_and_refused_to_housing(
        governed: Governed) -> None:
    query = "query($m: CountMeasure!) { partnershipCounts(measure: $m) { total cells { value count } } }"
    for measure in ("EMPLOYED_6_WEEKS", "EMPLOYED_6_MONTHS", "EMPLOYMENT_STATUS"):
        counted = await governed.ask(query, {"m": measure}, role="partnership-analyst",
                                     purpose="partnership-analytics")
        assert "errors" not in counted, counted["errors"]
        cells = {c["value"] for c in counted["data"]["partnershipCounts"]["cells"]}
        assert cells <= {"true", "false", "not_known"} or measure == "EMPLOYMENT_STATUS"
    refused = await governed.ask(query, {"m": "EMPLOYMENT_STATUS"}, role="housing-officer",
                                 purpose="housing-referral")
    assert refused["errors"][0]["extensions"]["code"] == "FIELD_NOT_SHARED"

"""Identity by legitimate relationship, over HTTP.

Who may ask about individual people at all (decided by the plan, not by a role's name), whose
people "my caseload" means for each role, what a housing officer or keyworker sees of someone
referred to their service, and what victim services are told. Expected sets come from the agencies'
tables (tests/http/test_sharing_matrix.condition_sets), expected values from governance off.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.services.caseload import CallerConditions, CaseloadCache
from hub.web.app import create_app
from hub.web.auth import issue_dev_token
from hub.web.runtime import Hub
from policies.loader import PACKAGED, load_policy
from tests.graph_client import GraphClient
from tests.http.conftest import STAFF, Governed
from tests.http.test_masks import masked_policy
from tests.http.test_sharing_matrix import ANSWERED, CELL, condition_sets, identifies_no_one, referred_to
from tests.policies.test_matrix import COLUMNS, USUAL

PERSON_LEVEL = {
    "people": "{ people(first: 5) { edges { node { id name } } } }",
    "people filtered": '{ people(first: 5, filter: {arrestedSince: "2026-01-01T00:00:00"}) { edges { node { id } } } }',
    "people ordered": "{ people(first: 5, orderBy: {field: SURNAME}) { edges { node { id } } } }",
    "person": '{ person(id: "H00000001") { id name } }',
    "personByIdentifier": "query($v: String!) { personByIdentifier(scheme: PNC_ID, value: $v) { id name } }",
    "peopleByIdentifiers": "query($v: String!) { peopleByIdentifiers(scheme: PNC_ID, values: [$v]) { id } }",
}
REFUSED = [(role, purpose) for role in (*COLUMNS, "ig-officer") for purpose in
           load_policy(PACKAGED).permitted_purposes((role,)) if role == "ig-officer" or identifies_no_one(role)]
MINE = "{ people(first: 500, filter: {onMyCaseload: true}) { edges { node { id } } } }"


def codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


async def a_pnc_id(truth: GraphClient) -> str:
    found = await truth.query('{ person(id: "H00000001") { identifiers { pncId } } }')
    pnc: str = found["data"]["person"]["identifiers"]["pncId"]
    return pnc


@pytest.mark.parametrize(("role", "purpose"), REFUSED, ids=[f"{r}-{p}" for r, p in REFUSED])
@pytest.mark.parametrize("ask", list(PERSON_LEVEL))
async def test_no_person_level_answer_where_no_identity_is_ever_shared(governed: Governed, truth: GraphClient,
                                                                       role: str, purpose: str, ask: str) -> None:
    pnc = await a_pnc_id(truth)
    result = await governed.ask(PERSON_LEVEL[ask], {"v": pnc} if "$v" in PERSON_LEVEL[ask] else None, role=role,
                                purpose=purpose, justification="ISA review" if purpose == "audit" else None)
    assert result["data"] in (None, {ask.split()[0]: None}) and codes(result) == ["PERSON_LEVEL_NOT_PERMITTED"]
    d = load_policy(PACKAGED).plan((role,), purpose).field("Person.name")
    extensions = result["errors"][0]["extensions"]
    assert (extensions["clause"], extensions["agreement"], extensions["legalBasis"]) == (
        d.clause, d.agreement, d.legal_basis)
    assert "H000" not in json.dumps(result) and pnc not in json.dumps(result)


async def test_the_refusal_follows_the_plan_not_the_role(settings: Settings, tmp_path: Path) -> None:
    # Give analysts the identity group (and nothing else): they get person-level answers, with names.
    local = settings.model_copy(update=dict(policy_dir=masked_policy(tmp_path / "policy", "identity", "name_only",
                                                       role="partnership-analyst")))
    hub = Hub.open(local)
    app = create_app(local, hub=hub)
    try:
        token = issue_dev_token(local, user="analyst-001", agency="partnership", roles=["partnership-analyst"])
        got = await GraphClient(app).query(PERSON_LEVEL["people"], headers={
            "authorization": f"Bearer {token}", "x-purpose-of-use": "partnership-analytics"})
        truth = await GraphClient(create_app(local, governance=False, hub=hub)).query(PERSON_LEVEL["people"])
    finally:
        await app.state.governance.audit.close()
        await hub.close()
    assert "errors" not in got
    assert got["data"] == truth["data"]


def own_condition(role: str) -> str:
    """The set "my caseload" means for a role: the condition its identity is released under, if any."""
    cell = CELL[(role, "Person.name")]
    return cell.split(" if ")[1] if " if " in cell else "caseload"


@pytest.mark.parametrize(("role", "purpose"), ANSWERED, ids=[f"{r}-{p}" for r, p in ANSWERED])
async def test_on_my_caseload_lists_exactly_the_callers_own_people(governed: Governed, settings: Settings,
                                                                   role: str, purpose: str) -> None:
    result = await governed.ask(MINE, role=role, purpose=purpose,
                                justification="Section 47 enquiry" if purpose == "safeguarding" else None)
    assert "errors" not in result, result["errors"]
    got = [e["node"]["id"] for e in result["data"]["people"]["edges"]]
    want = (await condition_sets(settings, role))[own_condition(role)]
    assert want and got == sorted(want)


@pytest.mark.parametrize("role", ["housing-officer", "treatment-keyworker"])
async def test_an_open_referral_to_the_service_releases_identity_without_a_caseload(
        governed: Governed, truth: GraphClient, settings: Settings, role: str) -> None:
    sets = await condition_sets(settings, role)
    referred = await referred_to(settings, STAFF[role][1])
    only_referred = sorted(referred - sets["caseload"])
    neither = sorted(set(f"H{i:08d}" for i in range(1, 301)) - sets["relationship"])
    assert only_referred and neither
    query = "query($id: ID!) { person(id: $id) { name probation { releaseDate } } }"
    purpose = USUAL[role]
    for person, shown in ((only_referred[0], True), (neither[0], False)):
        real = (await truth.query(query, {"id": person}))["data"]["person"]
        got = await governed.ask(query, {"id": person}, role=role, purpose=purpose)
        if shown:
            assert got["data"]["person"]["name"] == real["name"]
            assert got["data"]["person"]["probation"] == real["probation"]
        else:
            # Not found at all, as for an id no one holds: even that the partnership knows them is withheld.
            assert real["name"] and got == {"data": {"person": None}, "extensions": got["extensions"]}
            unknown = await governed.ask(query, {"id": "H99999999"}, role=role, purpose=purpose)
            assert {k: v for k, v in unknown.items() if k != "extensions"} == {"data": {"person": None}}


async def test_victim_services_are_told_exclusion_zones_and_nothing_else(
        governed: Governed, truth: GraphClient, settings: Settings) -> None:
    query = ("query($id: ID!) { person(id: $id) { name dateOfBirth probation { releaseDate releaseType "
             "licenceConditions { kind description startsOn } ogrsScore } } }")
    cases = sorted((await condition_sets(settings, "victim-liaison"))["victim_case"])
    others_withheld = 0
    for person in cases:
        real = (await truth.query(query, {"id": person}))["data"]["person"]
        got = await governed.ask(query, {"id": person}, role="victim-liaison", purpose="victim-contact")
        seen = got["data"]["person"]
        zones = [c for c in real["probation"]["licenceConditions"] if c["kind"] == "EXCLUSION_ZONE"]
        assert seen["name"] == real["name"] and seen["dateOfBirth"] is None
        assert seen["probation"] == {**real["probation"], "licenceConditions": zones, "ogrsScore": None}
        others = [c for c in real["probation"]["licenceConditions"] if c["kind"] != "EXCLUSION_ZONE"]
        text = json.dumps(got)
        assert not any(c["description"] in text for c in others)
        others_withheld += len(others)
    assert others_withheld, "no victim's case in the sample has another licence condition to withhold"
    masked = (await governed.records())[-1].event.masked
    assert "ProbationRecord.licenceConditions" in masked


async def test_the_relationship_set_is_cached_and_its_referral_half_shared_by_the_agency(
        settings: Settings) -> None:
    hub = Hub.open(settings)
    try:
        cache = CaseloadCache(ttl=30)

        def conditions(user: str) -> CallerConditions:
            return CallerConditions(hub.index, hub.agencies, "housing", user, cache)

        first = conditions("housing-officer-001")
        assert first.cached("relationship") is None
        mine = await first.relationship()
        assert first.cached("relationship") == mine
        assert mine == (await condition_sets(settings, "housing-officer"))["relationship"]
        with count_statements(hub.sql_engines()) as counted:
            assert await first.relationship() == mine
            await conditions("housing-officer-002").relationship()
        # The second officer loads only their own caseload: the open referrals are the agency's.
        assert counted["probation"] == 0 and counted["housing"] == 1
    finally:
        await hub.close()

"""Who may ask, for what purpose, and that nothing withheld leaks through another way of asking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.treatment import tables as treatment
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from policies.loader import PACKAGED
from policies.store import PolicyStore
from tests.graph_client import GraphClient
from tests.http.conftest import Governed

ONE = '{ person(id: "H00000002") { id name } }'


def codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


# ---- authentication, purpose, justification ---------------------------------------------------

async def test_no_token_is_401_with_a_typed_error(governed: Governed) -> None:
    response = await governed.post({"query": ONE}, {"x-purpose-of-use": "iom"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"data": None, "errors": [{
        "message": "an Authorization: Bearer <token> header is required", "extensions": {"code": "UNAUTHENTICATED"}}]}


async def test_a_bad_token_is_403_naming_the_reason(governed: Governed) -> None:
    token = governed.token("probation-practitioner")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = await governed.post({"query": ONE}, {"authorization": f"Bearer {tampered}", "x-purpose-of-use": "iom"})
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INVALID_TOKEN", "reason": "bad_signature"}
    assert tampered not in response.text


@pytest.mark.parametrize(("role", "purpose", "code"), [
    ("probation-practitioner", None, "PURPOSE_NOT_PERMITTED"),
    ("probation-practitioner", "sightseeing", "PURPOSE_NOT_PERMITTED"),
    ("housing-officer", "iom", "PURPOSE_NOT_PERMITTED"),
    ("victim-liaison", "mappa", "PURPOSE_NOT_PERMITTED"),
    ("partnership-analyst", "audit", "PURPOSE_NOT_PERMITTED"),
    ("police-iom-officer", "safeguarding", "JUSTIFICATION_REQUIRED"),
])
async def test_purpose_refusals_are_403(governed: Governed, role: str, purpose: str | None, code: str) -> None:
    response = await governed.post({"query": ONE}, governed.headers(role, purpose))
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert response.json()["data"] is None


async def test_safeguarding_with_a_justification_answers(governed: Governed) -> None:
    result = await governed.ask(ONE, role="police-iom-officer", purpose="safeguarding",
                                justification="MARAC referral 2026-0412")
    assert result["data"]["person"]["id"] == "H00000002" and not codes(result)


# ---- nothing withheld leaks through another way of asking ----------------------------------------

async def nhs_numbers(settings: Settings) -> list[str]:
    engine = create_engine(settings.agency_url("treatment"))
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(treatment.treatment_client.c.nhs_number))).scalars())
    finally:
        await engine.dispose()


async def test_aliases_fragments_and_nested_paths_do_not_reveal_a_denied_field(governed: Governed,
                                                                               settings: Settings) -> None:
    query = """
    query { a: person(id: "H00000001") { x: identifiers { pncId secret: nhsNumber } ...F }
            b: people(first: 20) { edges { node { ... on Person { identifiers { pncId n: nhsNumber } } } } }
            c: personByIdentifier(scheme: PNC_ID, value: "%s") { identifiers { crn nhsNumber } } }
    fragment F on Person { identifiers { pncId nhsNumber } again: identifiers { crn nhsNumber } }
    """
    pnc = (await governed.ask('{ person(id: "H00000001") { identifiers { pncId } } }', role="police-iom-officer",
                              purpose="iom"))["data"]["person"]["identifiers"]["pncId"]
    result = await governed.ask(query % pnc, role="police-iom-officer", purpose="iom")
    text = json.dumps(result)
    leaked = [n for n in await nhs_numbers(settings) if n in text]
    assert leaked == []
    withheld = [e for e in result["errors"] if e["extensions"]["field"] == "Identifiers.nhsNumber"]
    assert len(withheld) == 1 and withheld[0]["extensions"]["occurrences"] == 1 + 20 + 1 + 2
    assert withheld[0]["extensions"]["clause"]


@pytest.mark.parametrize(("role", "purpose", "filter"), [
    ("housing-officer", "housing-referral", {"iomCohorts": ["FIXED"]}),          # IOM cohort: denied to housing
    ("treatment-keyworker", "continuity-of-care", {"ogrsBands": ["HIGH"]}),      # OGRS: denied to treatment
    ("victim-liaison", "victim-contact", {"accommodationStatuses": ["NFA"]}),    # accommodation: denied
    ("housing-officer", "housing-referral", {"mappaLevels": [1]}),               # masked away under rosh_only
])
async def test_filtering_by_a_field_the_caller_may_not_read_is_refused(governed: Governed, role: str, purpose: str,
                                                                       filter: dict[str, Any]) -> None:
    query = "query($f: PeopleFilter) { people(first: 5, filter: $f) { totalCount edges { node { id } } } }"
    result = await governed.ask(query, {"f": filter}, role=role, purpose=purpose)
    assert codes(result) == ["FILTER_NOT_PERMITTED"] and result["data"] == {"people": None}


async def test_a_conditional_filter_only_ranges_over_the_callers_caseload(governed: Governed, truth: GraphClient
                                                                          ) -> None:
    # Police may read accommodation status only for their own cohort: filtering by it must not tell
    # them who else is sleeping rough.
    query = ("query($f: PeopleFilter) { people(first: 500, filter: $f) { totalCount edges { node { id "
             "housing { accommodationStatus } } } } }")
    f = {"accommodationStatuses": ["NFA", "ROUGH_SLEEPING", "TRANSIENT", "TEMPORARY"]}
    everyone = (await truth.query(query, {"f": f}))["data"]["people"]
    cohort = (await governed.ask(query, {"f": f}, role="police-iom-officer", purpose="iom"))["data"]["people"]
    assert 0 < cohort["totalCount"] < everyone["totalCount"]
    assert all(edge["node"]["housing"]["accommodationStatus"] for edge in cohort["edges"])


@pytest.mark.parametrize(("role", "purpose", "field"), [
    ("housing-officer", "housing-referral", "OGRS_SCORE"),          # masked away under rosh_only
    ("housing-officer", "housing-referral", "DATE_OF_BIRTH"),       # hidden under dob_year
    ("housing-officer", "housing-referral", "LATEST_ARREST"),       # arrests: denied to housing
    ("police-iom-officer", "iom", "OGRS_SCORE"),                    # police see the band, never the score
])
async def test_ordering_by_a_field_the_caller_may_not_read_is_refused(governed: Governed, role: str, purpose: str,
                                                                      field: str) -> None:
    # The order of the rows would tell what the values are.
    query = "query($o: PersonOrder) { people(first: 5, orderBy: $o) { totalCount edges { node { id } } } }"
    result = await governed.ask(query, {"o": {"field": field, "direction": "DESC"}}, role=role, purpose=purpose)
    assert codes(result) == ["FILTER_NOT_PERMITTED"] and result["data"] == {"people": None}
    assert result["errors"][0]["extensions"]["argument"] == "orderBy"


async def test_a_conditional_order_only_ranges_over_the_callers_cohort(governed: Governed, truth: GraphClient
                                                                       ) -> None:
    # Police may read release dates only for their own cohort: ordering everyone by release date
    # would place people outside it. The order covers the cohort alone, every date in it visible.
    query = ("query($o: PersonOrder) { people(first: 500, orderBy: $o) { totalCount edges { node { id "
             "probation { releaseDate } } } } }")
    order = {"o": {"field": "RELEASE_DATE", "direction": "DESC"}}
    everyone = (await truth.query(query, order))["data"]["people"]
    cohort = await governed.ask(query, order, role="police-iom-officer", purpose="iom")
    assert not [e for e in cohort.get("errors", []) if e["extensions"].get("field") == "ProbationRecord.releaseDate"]
    page = cohort["data"]["people"]
    assert 0 < page["totalCount"] == len(page["edges"]) < everyone["totalCount"]
    dates = [e["node"]["probation"]["releaseDate"] for e in page["edges"] if e["node"]["probation"]]
    present = [d for d in dates if d is not None]
    assert present and present == sorted(present, reverse=True)


@pytest.mark.parametrize(("role", "purpose", "scheme"), [
    ("housing-officer", "housing-referral", "PNC_ID"),
    ("police-iom-officer", "iom", "NHS_NUMBER"),
    ("victim-liaison", "victim-contact", "CRN"),
])
async def test_lookup_by_a_scheme_the_caller_may_not_see_is_refused(governed: Governed, role: str, purpose: str,
                                                                    scheme: str) -> None:
    values = {"PNC_ID": "2001/0123456F", "NHS_NUMBER": "9434765919", "CRN": "X123456"}
    for query in (f'{{ personByIdentifier(scheme: {scheme}, value: "{values[scheme]}") {{ id }} }}',
                  f'{{ peopleByIdentifiers(scheme: {scheme}, values: ["{values[scheme]}"]) {{ id }} }}'):
        result = await governed.ask(query, role=role, purpose=purpose)
        assert codes(result) == ["FILTER_NOT_PERMITTED"], query


async def test_lookup_of_someone_off_the_callers_caseload_is_indistinguishable_from_unknown(
        governed: Governed, truth: GraphClient) -> None:
    # Housing references are conditional for police: one outside the cohort answers as a stranger would.
    rows = (await truth.query("{ people(first: 50) { edges { node { id identifiers { housingReference } } } } }"))
    refs = {e["node"]["id"]: e["node"]["identifiers"]["housingReference"] for e in rows["data"]["people"]["edges"]}
    seen = await governed.ask("{ people(first: 50) { edges { node { id identifiers { pncId housingReference } } } } }",
                              role="police-iom-officer", purpose="iom")
    visible = {e["node"]["id"] for e in seen["data"]["people"]["edges"] if e["node"]["identifiers"]["housingReference"]}
    hidden = [pid for pid, ref in refs.items() if ref and pid not in visible]
    assert visible and hidden
    q = '{ personByIdentifier(scheme: HOUSING_REFERENCE, value: "%s") { id } }'
    off = await governed.ask(q % refs[hidden[0]], role="police-iom-officer", purpose="iom")
    unknown = await governed.ask(q % "HR00000001", role="police-iom-officer", purpose="iom")
    assert off["data"] == unknown["data"] == {"personByIdentifier": None}
    assert "errors" not in off and "errors" not in unknown
    on = await governed.ask(q % refs[sorted(visible)[0]], role="police-iom-officer", purpose="iom")
    assert on["data"]["personByIdentifier"]["id"] == sorted(visible)[0]


# ---- explaining the agreements ---------------------------------------------------------------------

async def test_my_access_lists_every_field_with_its_clause(governed: Governed) -> None:
    result = await governed.ask("{ myAccess { roles purpose legalBasis justificationRequired policyVersion "
                                "fields { field effect visible mask condition clause agreement } } }",
                                role="housing-officer", purpose="housing-referral")
    mine = result["data"]["myAccess"]
    assert mine["roles"] == ["HOUSING_OFFICER"] and "Homelessness Reduction Act" in mine["legalBasis"]
    by_field = {f["field"]: f for f in mine["fields"]}
    assert by_field["Identifiers.pncId"]["effect"] == "DENY" and not by_field["Identifiers.pncId"]["visible"]
    assert by_field["Person.birthYear"]["mask"] == "dob_year" and by_field["Person.birthYear"]["visible"]
    assert by_field["ProbationRecord.releaseDate"]["condition"] == "relationship"
    assert all(f["clause"] and f["agreement"] for f in mine["fields"])


async def test_explain_access_is_for_information_governance(governed: Governed) -> None:
    query = ('{ explainAccess(field: "TreatmentRecord.ostPrescriptions", role: PROBATION_PRACTITIONER, '
             'purpose: IOM) { purposePermitted reason source decision { effect clause } } }')
    ig = await governed.ask(query, role="ig-officer", purpose="audit", justification="ISA review 2026-Q4")
    answer = ig["data"]["explainAccess"]
    assert answer["purposePermitted"] and answer["decision"]["effect"] == "DENY"
    assert "treatment-isa.csv:" in answer["source"] and answer["reason"]
    other = await governed.ask(query, role="probation-practitioner", purpose="iom")
    assert codes(other) == ["FORBIDDEN"] and other["data"] == {"explainAccess": None}
    unknown = await governed.ask('{ explainAccess(field: "Nope.nope", role: IG_OFFICER, purpose: AUDIT) '
                                 '{ reason } }', role="ig-officer", purpose="audit", justification="ISA review")
    assert codes(unknown) == ["BAD_USER_INPUT"]


# ---- policy changes without a restart ---------------------------------------------------------------

async def test_a_policy_change_is_enforced_without_a_restart_and_a_broken_one_is_not(
        settings: Settings, tmp_path: Path) -> None:
    policy_dir = tmp_path / "policies"
    shutil.copytree(PACKAGED, policy_dir, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    store = PolicyStore.open(replace_policy_dir(settings, policy_dir))
    hub = Hub.open(settings)
    app = create_app(settings, hub=hub, policies=store)
    governed = Governed(app, settings, hub)
    query = '{ person(id: "H00000001") { identifiers { nhsNumber housingReference } } }'
    try:
        before = await governed.ask(query, role="treatment-keyworker", purpose="continuity-of-care")
        assert before["data"]["person"]["identifiers"]["housingReference"] is None
        isa = policy_dir / "agreements" / "housing-isa.csv"
        isa.write_text(isa.read_text().replace("treatment-keyworker,*,housing_reference,deny",
                                               "treatment-keyworker,*,housing_reference,allow"))
        assert store.reload()
        after = await governed.ask(query, role="treatment-keyworker", purpose="continuity-of-care")
        assert after["data"]["person"]["identifiers"]["housingReference"]
        version = store.current().version
        isa.write_text(isa.read_text() + "chief-constable,*,housing_reference,allow,,,Housing ISA,X,\n")
        assert not store.reload() and store.last_error is not None
        still = await governed.ask(query, role="treatment-keyworker", purpose="continuity-of-care")
        assert still["data"] == after["data"] and store.current().version == version
        records = await governed.records()
        assert [r.event.policy_version for r in records][-3:] == [before_version(records), version, version]
    finally:
        await app.state.governance.audit.close()
        await hub.close()


def before_version(records: list[Any]) -> str:
    return str(records[-3].event.policy_version)


def replace_policy_dir(settings: Settings, directory: Path) -> Settings:

    return settings.model_copy(update=dict(policy_dir=directory))

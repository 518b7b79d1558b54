"""Every cell of DOMAIN.md's sharing matrix, over HTTP, for every role under every purpose it may use.

The expected cell comes from the matrix table (tests/policies/test_matrix.py, transcribed from
DOMAIN.md), never from the policy under test. What each field really holds comes from the same data
with governance off; who is on whose caseload, who consented and whose victim's case it is come
straight from the agencies' tables. Each response is then checked field by field, person by person:
shown exactly as stored, or null with a FIELD_NOT_SHARED error covering that path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from connectors.employment import tables as employment
from connectors.housing import tables as housing
from connectors.police import tables as police
from connectors.probation import tables as probation
from connectors.treatment import tables as treatment
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.services.index import tables as index
from policies.loader import PACKAGED, load_policy
from policies.vocabulary import PURPOSES
from tests.graph_client import GraphClient
from tests.http.conftest import STAFF, Governed
from tests.http.transforms import through
from tests.policies.test_matrix import COLUMNS, MATRIX

PARENT = {"Identifiers": ["identifiers"], "PoliceRecord": ["police"], "ProbationRecord": ["probation"],
          "HousingRecord": ["housing"], "TreatmentRecord": ["treatment"], "EmploymentRecord": ["employment"],
          "Person": [],
          "IntelligenceReport": ["police", "intelligence"]}
SUBSELECTION = {
    "iomOfficer": "{ name phone }", "warningMarkers": "{ marker recordedOn }",
    "arrests": "{ offence arrestedAt offenceGroup proven }", "intelligence": "{ summary }",
    "offenderManager": "{ name team }", "licenceConditions": "{ kind description startsOn endsOn }",
    "sentences": "{ kind releaseDate }", "referrals": "{ pathway open }", "address": "{ line postcode uprn }",
    "dutyToRefer": "{ status referredOn }", "placements": "{ kind startsOn }", "episodes": "{ substance }",
    "requirements": "{ kind }", "appointments": "{ kind scheduledAt }", "consents": "{ shareWith }",
    "ostPrescriptions": "{ medication dailyDoseMg }", "adviser": "{ name office }",
    "eteReferrals": "{ kind status startedOn }", "jobs": "{ employer startsOn endsOn }",
}
FIELDS = [row[0] for row in MATRIX]
CELL = {(role, row[0]): row[1 + i] for row in MATRIX for i, role in enumerate(COLUMNS)}
PEOPLE = 20


def selection(fields: list[str]) -> str:
    tree: dict[str, Any] = {}
    for key in fields:
        type_name, name = key.split(".")
        node = tree
        for part in PARENT[type_name]:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        if name not in node:
            node[name] = None

    def render(node: dict[str, Any]) -> str:
        return " ".join(k if v is None and k not in SUBSELECTION else
                        f"{k} {SUBSELECTION[k]}" if v is None else f"{k} {{ {render(v)} }}" for k, v in node.items())

    return render(tree)


QUERY = f"query Matrix {{ people(first: {PEOPLE}) {{ edges {{ node {{ id {selection(FIELDS)} }} }} }} }}"
#: Everyone, for the truth, a page at a time: a caller who may identify only some people pages through those alone.
EVERYONE = (f"query Everyone($after: String) {{ people(first: 100, after: $after) {{ "
            f"edges {{ node {{ id {selection(FIELDS)} }} }} pageInfo {{ hasNextPage endCursor }} }} }}")


async def everyone(truth: GraphClient) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        real = await truth.query(EVERYONE, {"after": after})
        assert "errors" not in real, real["errors"]
        nodes += [edge["node"] for edge in real["data"]["people"]["edges"]]
        if not real["data"]["people"]["pageInfo"]["hasNextPage"]:
            return nodes
        after = real["data"]["people"]["pageInfo"]["endCursor"]


async def _ids(url: str, statement: Any) -> set[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {r[0] for r in (await conn.execute(statement)).all()}
    finally:
        await engine.dispose()


async def people_holding(settings: Settings, scheme: str, keys: set[str]) -> set[str]:
    link = index.person_link
    return await _ids(settings.index_url, select(link.c.person_id).where(link.c.scheme == scheme,
                                                                         link.c.value.in_(keys)))


async def referred_to(settings: Settings, agency: str) -> set[str]:
    """People with an open referral to the agency's service, from the tables: a probation referral on its
    pathway still open, and housing's open Duty to Refer, treatment's requirements in force today or the
    employment service's ETE referrals not closed."""
    a = settings.agency_url
    pathway = {"housing": "accommodation", "treatment": "drugs_alcohol",
               "employment": "education_training_employment"}.get(agency)
    if pathway is None:
        return set()
    r = probation.referral.c
    people = await people_holding(settings, "crn", await _ids(
        a("probation"), select(r.crn).where(r.pathway == pathway, r.open.is_(True))))
    if agency == "housing":
        d = housing.duty_to_refer.c
        return people | await people_holding(settings, "housingReference", await _ids(
            a("housing"), select(d.housing_ref).where(d.status.in_(["received", "accepted"]))))
    today = datetime.now(UTC).date()
    if agency == "employment":
        e = employment.ete_referral.c
        return people | await people_holding(settings, "niNumber", await _ids(
            a("employment"), select(e.ni_number).where(e.status != "closed", e.referred_on <= today)))
    q = treatment.treatment_requirement.c
    return people | await people_holding(settings, "nhsNumber", await _ids(
        a("treatment"), select(q.nhs_number).where(q.starts_on <= today,
                                                   (q.ends_on.is_(None)) | (q.ends_on >= today))))


async def condition_sets(settings: Settings, role: str) -> dict[str, set[str]]:
    """Who each per-person condition holds for, for this role's member of staff, from the agencies' tables."""
    user, agency = STAFF[role]
    a = settings.agency_url
    caseload: set[str] = set()
    if agency == "police":
        caseload = await people_holding(settings, "pncId", await _ids(
            a("police"), select(police.nominal.c.pnc_id).where(police.nominal.c.iom_officer_id == user)))
    elif agency == "probation":  # an offender manager's cases; a MAPPA coordinator's review list
        o = probation.offender.c
        caseload = await people_holding(settings, "crn", await _ids(
            a("probation"), select(o.crn).where((o.offender_manager_code == user) | (o.mappa_coordinator_id == user))))
    elif agency == "housing":
        caseload = await people_holding(settings, "housingReference", await _ids(
            a("housing"), select(housing.housing_client.c.housing_ref)
            .where(housing.housing_client.c.housing_officer_id == user)))
    elif agency == "treatment":  # a keyworker's clients; those in a prison healthcare team's care
        tc = treatment.treatment_client.c
        caseload = await people_holding(settings, "nhsNumber", await _ids(
            a("treatment"), select(tc.nhs_number).where((tc.keyworker_id == user)
                                                        | (tc.prison_healthcare_team == user))))
    elif agency == "employment":
        caseload = await people_holding(settings, "niNumber", await _ids(
            a("employment"), select(employment.employment_client.c.ni_number)
            .where(employment.employment_client.c.adviser_id == user)))
    c = treatment.consent.c
    consent = await people_holding(settings, "nhsNumber", await _ids(
        a("treatment"), select(c.nhs_number).where(c.share_with == agency, c.withdrawn_on.is_(None))))
    victim = await people_holding(settings, "crn", await _ids(
        a("probation"), select(probation.victim_case.c.crn).where(probation.victim_case.c.liaison_officer_id == user)))
    return {"caseload": caseload, "consent": consent, "victim_case": victim,
            "caseload+consent": caseload & consent, "relationship": caseload | await referred_to(settings, agency)}


def visible(cell: str, person: str, sets: dict[str, set[str]]) -> bool:
    if cell.startswith("D") or "hidden" in cell:
        return False
    if " if " in cell:
        return person in sets[cell.split(" if ")[1]]
    return True


def dig(node: Any, path: list[str]) -> Any:
    for part in path:
        if node is None:
            return None
        node = node.get(part)
    return node


def covered(errors: list[dict[str, Any]], path: list[Any]) -> bool:
    """A FIELD_NOT_SHARED error names this path or one above it (a whole record withheld)."""
    for e in errors:
        ext = e.get("extensions", {})
        if ext.get("code") != "FIELD_NOT_SHARED":
            continue
        if any(list(p) == path[: len(p)] for p in ext.get("paths", [])):
            assert ext.get("clause") and ext.get("agreement") and ext.get("legalBasis"), e
            return True
    return False


def leaving_police(reports: list[dict[str, Any]], role: str) -> list[dict[str, Any]]:
    """Only handling code P reports leave police (the P of a 3x5x2 grading such as 2BP)."""
    return reports if STAFF[role][1] == "police" else [r for r in reports if r["grading"].endswith("P")]


def check(role: str, purpose: str, truth: list[dict[str, Any]], got: dict[str, Any],
          sets: dict[str, set[str]]) -> list[str]:
    problems: list[str] = []
    nodes = [edge["node"] for edge in got["data"]["people"]["edges"]]
    errors = got.get("errors", [])
    assert [n["id"] for n in nodes] == [t["id"] for t in truth]
    for i, (real, seen) in enumerate(zip(truth, nodes, strict=True)):
        person = real["id"]
        base: list[Any] = ["people", "edges", i, "node"]
        for key in FIELDS:
            type_name, name = key.split(".")
            cell = CELL[(role, key)]
            show = visible(cell, person, sets)
            if type_name == "IntelligenceReport":
                reports_real = leaving_police(dig(real, ["police", "intelligence"]) or [], role)
                reports_seen = dig(seen, ["police", "intelligence"]) or []
                pairs = [(j, r.get(name) if r else None, s.get(name) if s else None)
                         for j, (r, s) in enumerate(zip(reports_real, reports_seen, strict=False))]
                paths = [[*base, "police", "intelligence", j, name] for j, _, _ in pairs]
            elif key == "PoliceRecord.intelligence":
                # The list itself: as many reports as leave police (fields are checked row by row above).
                path = ["police", "intelligence"]
                want_n, have_n = dig(real, path), dig(seen, path)
                pairs = [(0, None if want_n is None else len(leaving_police(want_n, role)),
                          None if have_n is None else len(have_n))]
                paths = [[*base, *path]]
            else:
                path = PARENT[type_name] + [name]
                pairs = [(0, dig(real, path), dig(seen, path))]
                paths = [[*base, *path]]
            transform = cell.split(" as ")[1].split(" ")[0] if " as " in cell else None
            for (_, want, have), where in zip(pairs, paths, strict=True):
                if transform is not None:
                    want = through(transform, want)
                label = f"{role}/{purpose} {key} for {person} (cell {cell!r})"
                if show and have != want:
                    problems.append(f"{label}: expected the stored value, got {'null' if have is None else 'other'}")
                if not show and have is not None:
                    problems.append(f"{label}: a value was released that the agreement withholds")
                if not show and want is not None and not covered(errors, where):
                    problems.append(f"{label}: withheld without a FIELD_NOT_SHARED error at {where}")
    return problems


ROLE_PURPOSES = [(role, purpose) for role in COLUMNS
                 for purpose in load_policy(PACKAGED).permitted_purposes((role,))]


def identity_condition(role: str) -> str | None:
    """The condition under which the role may see who people are (None: anyone)."""
    cell = CELL[(role, "Person.name")]
    return cell.split(" if ")[1] if " if " in cell else None


def identifies_no_one(role: str) -> bool:
    """The matrix withholds every identity field from the role: no person-level answer at all."""
    return all(CELL[(role, key)] == "D" for key in FIELDS if key.startswith("Person."))


#: The roles and purposes that get person-level answers.
ANSWERED = [(role, purpose) for role, purpose in ROLE_PURPOSES if not identifies_no_one(role)]


@pytest.mark.parametrize(("role", "purpose"), ROLE_PURPOSES, ids=[f"{r}-{p}" for r, p in ROLE_PURPOSES])
async def test_every_cell_for_every_role_and_purpose(governed: Governed, truth: GraphClient, settings: Settings,
                                                     role: str, purpose: str) -> None:
    truth_nodes = await everyone(truth)
    justification = "Section 47 enquiry, case 2026-118" if purpose == "safeguarding" else None
    got = await governed.ask(QUERY, role=role, purpose=purpose, justification=justification)
    if identifies_no_one(role):
        # No person's identity, ever: no person-level answer at all (DOMAIN.md: aggregates only).
        assert got["data"] == {"people": None}, "a person-level answer for a caller who may identify no one"
        assert [e["extensions"]["code"] for e in got["errors"]] == ["PERSON_LEVEL_NOT_PERMITTED"]
        return
    sets = await condition_sets(settings, role)
    identity = identity_condition(role)
    # People the caller may not identify are not found at all: the page is the first of those it may.
    truth_nodes = [n for n in truth_nodes if identity is None or n["id"] in sets[identity]][:PEOPLE]
    problems = check(role, purpose, truth_nodes, got, sets)
    assert not problems, "\n".join(problems[:30]) + f"\n({len(problems)} problems)"


async def test_the_sample_exercises_both_sides_of_every_condition(settings: Settings) -> None:
    """Without people on and off each caseload in the first page, the matrix test would prove little."""
    everyone = [f"H{i:08d}" for i in range(1, 301)]
    for role in COLUMNS:
        sets = await condition_sets(settings, role)
        identity = identity_condition(role)
        # The page a role sees: the first people it may identify.
        first = set([p for p in everyone if identity is None or p in sets[identity]][:PEOPLE])
        used = {CELL[(role, key)].split(" if ")[1] for key in FIELDS if " if " in CELL[(role, key)]}
        for condition in used - {identity}:
            if identity is not None and sets[identity] <= sets[condition]:
                continue  # holds for everyone the role can find: there is no other side to show
            inside = sets[condition] & first
            assert inside and inside != first, f"{role}: {condition} holds for {len(inside)} of the first {PEOPLE}"


@pytest.mark.parametrize("role", ["mappa-coordinator", "prison-healthcare"])
async def test_the_new_roles_are_refused_every_other_purpose(governed: Governed, role: str) -> None:
    # purposes.csv lists who may state each purpose; anyone else is refused before anything runs.
    refused = [p for p in PURPOSES if p not in load_policy(PACKAGED).permitted_purposes((role,))]
    assert refused
    for purpose in refused:
        response = await governed.post({"query": QUERY}, governed.headers(role, purpose, "Section 47 enquiry"))
        assert response.status_code == 403, purpose
        body = response.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["PURPOSE_NOT_PERMITTED"], purpose


def test_the_new_roles_may_state_only_their_own_purpose() -> None:
    # Written out again from DOMAIN.md's purposes table and use cases 4 and 6.
    policy = load_policy(PACKAGED)
    assert policy.permitted_purposes(("mappa-coordinator",)) == ("mappa",)
    assert policy.permitted_purposes(("prison-healthcare",)) == ("continuity-of-care",)

"""Whether an agency holds a record about a person is itself data.

For every role, agency and kind of selection, people the caller may see nothing of that agency's
record about must get the same answer (once their ids are replaced) whether the agency holds a
record, whether the caller's condition (caseload, victim's case) holds, and whether the agency is up.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from connectors.registry import AGENCIES
from connectors.treatment.connector import TreatmentConnector
from hub.core.settings import Settings
from hub.services.caseload import CallerConditions
from hub.services.index.store import IndexedPerson
from hub.web.app import create_app
from hub.web.runtime import Hub
from schema.governance.gate import SETS
from tests.http.conftest import STAFF, Governed

#: Person field -> the agency whose record it is (every registered agency).
RECORDS = {a.name: a.agency for a in AGENCIES}

#: The purpose each role usually states.
PURPOSES = {
    "police-iom-officer": "iom",
    "probation-practitioner": "daily-intel",
    "housing-officer": "housing-referral",
    "treatment-keyworker": "continuity-of-care",
    "victim-liaison": "victim-contact",
    "employment-adviser": "employment-support",
    "mappa-coordinator": "mappa",
    "prison-healthcare": "continuity-of-care",
}

#: Per agency: a scalar field and a list field of its record.
FIELDS = {
    "police": ("iomCohort", "arrests { offence }"),
    "probation": ("releaseDate", "licenceConditions { kind }"),
    "housing": ("accommodationStatus", "placements { kind }"),
    "treatment": ("engaged", "appointments { kind }"),
    "employment": ("employmentStatus", "jobs { employer }"),
}


def query(agency: str) -> str:
    scalar, listed = FIELDS[agency]
    return (f'query($id: ID!) {{ person(id: $id) {{ id typename: {agency} {{ __typename }} '
            f'scalar: {agency} {{ {scalar} }} listed: {agency} {{ {listed} }} }} }}')


def normalised(body: dict[str, Any], person_id: str, alias: str) -> str:
    """One alias's part of an answer, with the person's id replaced, as comparable text."""
    data = (body.get("data") or {}).get("person") or {}
    errors = [e for e in body.get("errors", []) if alias in json.dumps(e.get("path")) or
              any(alias in json.dumps(p) for p in e.get("extensions", {}).get("paths", []))]
    for e in errors:
        e.get("extensions", {}).pop("traceId", None)
    text = json.dumps({"data": data.get(alias, "absent"), "errors": errors}, sort_keys=True)
    return text.replace(person_id, "<person>")


@dataclass
class Casting:
    """People of one agency sorted by whether it holds a record and whether the caller's condition holds."""

    held_in: str | None = None
    held_out: str | None = None
    absent_in: str | None = None
    absent_out: str | None = None

    def people(self) -> list[tuple[str, bool, bool]]:
        out = []
        for person, held, inside in ((self.held_in, True, True), (self.held_out, True, False),
                                     (self.absent_in, False, True), (self.absent_out, False, False)):
            if person is not None:
                out.append((person, held, inside))
        return out


async def cast(hub: Hub, agency: str, inside: frozenset[str]) -> Casting:
    people = await hub.index.get_many(await hub.index.all_ids())
    scheme = RECORDS[agency].key_scheme
    c = Casting()
    for p in sorted(people.values(), key=lambda p: p.person_id):
        slot = ("held_" if scheme in p.links else "absent_") + ("in" if p.person_id in inside else "out")
        if getattr(c, slot) is None:
            setattr(c, slot, p.person_id)
    return c


async def condition_people(hub: Hub, role: str, condition: str | None) -> frozenset[str]:
    """The people a row condition holds for (consent aside), as the caller's own sources say."""
    if condition is None:
        return frozenset()
    user, agency = STAFF[role]
    conditions = CallerConditions(hub.index, hub.agencies, agency, user)
    found: frozenset[str] | None = None
    for part in condition.split("+"):
        if part in SETS:
            people = await getattr(conditions, SETS[part][1])()
            found = people if found is None else found & people
    return found or frozenset()


def may_see(governed: Governed, role: str, agency: str) -> tuple[bool, str | None]:
    """(some field of the record shows to everyone, the condition under which the others show)."""
    plan = governed.app.state.governance.policies.current().plan((role,), PURPOSES[role])
    type_name = RECORDS[agency].record_type
    endpoint = next(r.endpoint for r in governed.app.routes if getattr(r, "path", None) == "/graphql")
    schema = endpoint.schema
    names = [schema.config.name_converter.get_graphql_name(f) for f in schema.get_type_by_name(type_name).fields]
    condition = None
    for name in names:
        d = plan.field(f"{type_name}.{name}")
        if d.visible and d.condition is None:
            return True, None
        if d.visible and condition is None:
            condition = d.condition
    return False, condition


@pytest.fixture
async def down(settings: Settings, tmp_path: Path) -> AsyncIterator[dict[str, Governed]]:
    """One governed hub per agency, with that agency's system not answering (a database without tables)."""
    made: dict[str, Governed] = {}
    hubs: list[Hub] = []
    for agency in FIELDS:
        broken = settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                                agency: f"sqlite+aiosqlite:///{tmp_path / f'{agency}-down.db'}"},
                         audit_url=f"sqlite+aiosqlite:///{tmp_path / f'{agency}-down-audit.db'}"))
        hub = Hub.open(broken)
        hubs.append(hub)
        made[agency] = Governed(create_app(broken, hub=hub), broken, hub)
    yield made
    for g in made.values():
        await g.app.state.governance.audit.close()
    for hub in hubs:
        await hub.close()


def condition_sources(role: str, condition: str | None) -> set[str]:
    """The agencies the caller's condition sets come from (the caller's caseload is their own agency's)."""
    own = STAFF[role][1]
    sources: set[str] = set()
    for part in (condition or "").split("+"):
        if part == "caseload":
            sources.add(own)
        elif part == "victim_case":
            sources.add("probation")
        elif part in SETS:  # any other relationship: the caller's own service and probation's referrals
            sources |= {own, "probation"}
    return sources


@pytest.mark.parametrize("role", sorted(PURPOSES))
async def test_existence_is_not_disclosed_where_nothing_of_the_record_is(
        governed: Governed, down: dict[str, Governed], role: str) -> None:
    checked = 0
    for agency in FIELDS:
        open_to_all, condition = may_see(governed, role, agency)
        if open_to_all:
            continue  # some field shows to everyone: whether a record exists is theirs to know
        inside = await condition_people(governed.hub, role, condition)
        casting = await cast(governed.hub, agency, inside)
        # With the source of the caller's own caseload down, nobody's condition can be checked: the answer
        # is then an outage for everyone alike, which says nothing about anyone.
        outage_for_all = agency in condition_sources(role, condition)
        # alias -> (compared with the answers while the agency is up, the person identified) -> the answers,
        # ids replaced (a person the caller may not identify at all is null whole, agency or not)
        answers: dict[str, dict[tuple[bool, bool], set[str]]] = {}
        for person, _held, is_inside in casting.people():
            if condition is not None and is_inside:
                continue  # the caller may see something here: existence is theirs to know
            for up, hub in ((True, governed), (False, down[agency])):
                body = await hub.ask(query(agency), {"id": person}, role=role, purpose=PURPOSES[role])
                identified = body["data"]["person"] is not None
                assert not identified or body["data"]["person"]["id"] == person
                codes = {e["extensions"]["code"] for e in body.get("errors", [])}
                if up or not outage_for_all:
                    assert "CONNECTOR_UNAVAILABLE" not in codes, (agency, person, body)
                if identified:
                    assert body["data"]["person"]["typename"] is None, "existence shown to one who may see none"
                for alias in ("typename", "scalar", "listed"):
                    group = (up or not outage_for_all, identified)
                    answers.setdefault(alias, {}).setdefault(group, set()).add(
                        normalised(body, person, alias))
                    checked += 1
        for alias, by_group in answers.items():
            for texts in by_group.values():
                assert len(texts) == 1, (role, agency, alias, texts)
    assert checked or role == "probation-practitioner", "every role is denied some agency's record for someone"


def treatment(hub: Hub) -> TreatmentConnector:
    connector = hub.agencies["treatment"]
    assert isinstance(connector, TreatmentConnector)
    return connector


async def consenting(hub: Hub, people: frozenset[str]) -> tuple[str | None, str | None, str | None]:
    """Of these people: one with a treatment record consenting to probation, one with a record without that
    consent, one with no treatment record."""
    index = await hub.index.get_many(sorted(people))
    found: dict[str, str | None] = {"yes": None, "no": None, "none": None}
    for p in sorted(index.values(), key=lambda p: p.person_id):
        key = _consent_kind(p, await treatment(hub).clients([p.links["nhsNumber"]])
                            if "nhsNumber" in p.links else {})
        if found[key] is None:
            found[key] = p.person_id
    return found["yes"], found["no"], found["none"]


def _consent_kind(p: IndexedPerson, clients: dict[str, Any]) -> str:
    client = clients.get(p.links.get("nhsNumber", ""))
    if client is None:
        return "none"
    return "yes" if "probation" in client.consent_to_share_with else "no"


async def test_consent_does_not_disclose_that_treatment_holds_a_record(governed: Governed) -> None:
    role = "probation-practitioner"
    caseload = await condition_people(governed.hub, role, "caseload")
    with_consent, without_consent, no_record = await consenting(governed.hub, caseload)
    assert with_consent and without_consent and no_record, "the seeded caseload has all three"
    q = 'query($id: ID!) { person(id: $id) { treatment { engaged } } }'
    answers = {}
    for person in (with_consent, without_consent, no_record):
        body = await governed.ask(q, {"id": person}, role=role, purpose="daily-intel")
        answers[person] = json.dumps(body.get("errors"), sort_keys=True).replace(person, "<person>")
        if person == with_consent:
            assert isinstance(body["data"]["person"]["treatment"]["engaged"], bool)
            assert "errors" not in body
        else:
            assert body["data"]["person"]["treatment"] is None
            assert [e["extensions"]["reason"] for e in body["errors"]] == ["no recorded consent"]
    assert answers[without_consent] == answers[no_record]


async def test_existence_is_audited_where_it_was_disclosed(governed: Governed) -> None:
    role = "police-iom-officer"
    caseload = await condition_people(governed.hub, role, "caseload")
    outside = next(p for p in await governed.hub.index.all_ids() if p not in caseload)
    body = await governed.ask('query($id: ID!) { person(id: $id) { police { __typename } housing { __typename } } }',
                              {"id": outside}, role=role, purpose="iom")
    # Police share the IOM cohort with IOM officers for everyone: whether police hold a record is theirs to know.
    # Housing shares only about their cohort: nothing shows, not even whether housing knows the person.
    assert body["data"]["person"]["housing"] is None
    assert [(e["path"], e["extensions"]["reason"]) for e in body["errors"]] == \
        [(["person", "housing"], "not on caseload")]
    mine = (await governed.records())[-1].event.about(outside)
    assert mine is not None
    assert "Person.police" in mine.disclosed and "Person.housing" not in mine.disclosed
    assert mine.withheld == {"Person.housing": "not on caseload"}

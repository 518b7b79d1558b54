"""Use case 6, continuity of care: the README's queries for prison healthcare and for probation, over HTTP.

Prison healthcare's care list is what the treatment system's table says; the release each person comes
back with is the latest one in probation's sentence table, and the OST the treatment service's own
prescriptions, each read with plain SQL and the rules written out again. Probation learns whether a
client engaged within 21 days of release, from the episodes and appointments, and never the drug or dose.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.core.settings import Settings
from synthetic.london import ESTABLISHMENTS
from tests.conftest import AS_OF
from tests.http.conftest import Governed
from tests.http.seeded import person_of, rows_at
from tests.http.use_cases import readme

TEAM = "prison-healthcare-001"
ROLE, PURPOSE = "prison-healthcare", "continuity-of-care"
#: Prison healthcare keeps a released client this long, through the handover (written out again).
HANDOVER = timedelta(days=28)
UNKNOWN = "H99999999"



def day(value: Any) -> date:
    """A date or timestamp column's day (SQLite keeps them as ISO text)."""
    return value if isinstance(value, date) and not isinstance(value, datetime) else \
        value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


async def latest_releases(settings: Settings) -> dict[str, Any]:
    """person id -> their latest release in probation's sentences (latest date; ties: the later sentence)."""
    crn = await person_of(settings, "crn")
    latest: dict[str, Any] = {}
    for r in await rows_at(settings.agency_url("probation"), (
            "SELECT crn, sentence_id, release_date, release_type, release_establishment, release_decided_on "
            "FROM sentence WHERE release_date IS NOT NULL")):
        person = crn[r.crn]
        if person not in latest or (day(r.release_date), r.sentence_id) > (
                day(latest[person].release_date), latest[person].sentence_id):
            latest[person] = r
    return latest


async def clients(settings: Settings) -> dict[str, Any]:
    """person id -> the treatment service's client row."""
    nhs = await person_of(settings, "nhsNumber")
    return {nhs[r.nhs_number]: r for r in await rows_at(settings.agency_url("treatment"), (
        "SELECT nhs_number, keyworker_id, prison_healthcare_team, released_on FROM treatment_client"))}


async def released_between(settings: Settings, start: date, end: date) -> set[str]:
    """People with any release in probation's sentences on a day from ``start`` to ``end``."""
    crn = await person_of(settings, "crn")
    return {crn[r.crn] for r in await rows_at(settings.agency_url("probation"),
                                           "SELECT crn, release_date FROM sentence WHERE release_date IS NOT NULL")
            if start <= day(r.release_date) <= end}


async def test_the_care_list_is_the_establishments_clients_in_custody_or_just_released(settings: Settings) -> None:
    # The synthetic story, written out again: team n cares for the clients of the nth establishment whose
    # latest release is still to come or at most 28 days past; every such client is in a team's care.
    teams = {f"prison-healthcare-{n:03d}": name for n, name in enumerate(ESTABLISHMENTS, start=1)}
    releases = await latest_releases(settings)
    in_care = 0
    for person, client in (await clients(settings)).items():
        release = releases.get(person)
        due = release is not None and day(release.release_date) >= AS_OF - HANDOVER
        if client.prison_healthcare_team is None:
            assert not due, person
            continue
        in_care += 1
        assert release is not None and due, person
        assert teams[client.prison_healthcare_team] == release.release_establishment, person
    assert in_care


async def test_prison_healthcare_lists_its_people_due_for_release_with_the_establishment_and_ost(
        governed: Governed, settings: Settings) -> None:
    held = await clients(settings)
    care = {p for p, c in held.items() if c.prison_healthcare_team == TEAM}
    releases = await latest_releases(settings)
    nhs = {person: c.nhs_number for person, c in held.items()}
    ost: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in await rows_at(settings.agency_url("treatment"),
                        "SELECT nhs_number, medication, daily_dose_mg FROM ost_prescription"):
        ost[r.nhs_number].append((r.medication, r.daily_dose_mg))
    found_any = found_ost = 0
    for weeks in (12, 80):
        start, end = AS_OF, AS_OF + timedelta(weeks=weeks)
        data = await readme.ask(governed, "6", {"from": start.isoformat(), "to": end.isoformat()})
        nodes = [e["node"] for e in data["people"]["edges"]]
        due = care & await released_between(settings, start, end)
        # In release date order (latest release), ties by person id.
        assert [n["id"] for n in nodes] == sorted(due, key=lambda p: (day(releases[p].release_date), p)), weeks
        for node in nodes:
            release = releases[node["id"]]
            notice = None if release.release_decided_on is None else (
                day(release.release_date) - day(release.release_decided_on)).days
            assert node["probation"] == {
                "releaseDate": day(release.release_date).isoformat(), "releaseType": release.release_type.upper(),
                "releaseEstablishment": release.release_establishment, "releaseNoticeDays": notice}
            assert node["identifiers"]["nhsNumber"] == nhs[node["id"]]
            got = sorted((p["medication"], p["dailyDoseMg"]) for p in node["treatment"]["ostPrescriptions"])
            assert got == sorted(ost[nhs[node["id"]]])
            found_ost += bool(got)
        found_any += len(nodes)
    assert found_any and found_ost, "the seeded data gives the team no one due for release on OST"


async def test_prison_healthcare_sees_nothing_clinical_beyond_ost_and_no_one_outside_its_care(
        governed: Governed, settings: Settings) -> None:
    held = await clients(settings)
    care = sorted(p for p, c in held.items() if c.prison_healthcare_team == TEAM)
    listed = await governed.ask("{ people(first: 500) { edges { node { id } } } }", role=ROLE, purpose=PURPOSE)
    assert [e["node"]["id"] for e in listed["data"]["people"]["edges"]] == care
    query = ("query($id: ID!) { person(id: $id) { id police { arrests { offence } } probation { ogrsScore "
             "offenderManager { name } licenceConditions { kind } } treatment { service episodes { substance } "
             "appointments { kind } requirements { kind } consents { shareWith } } } }")
    got = await governed.ask(query, {"id": care[0]}, role=ROLE, purpose=PURPOSE)
    # Every field asked for is withheld: each record is null, with the clauses that withhold it.
    assert got["data"]["person"] == {"id": care[0], "police": None, "probation": None, "treatment": None}
    assert {e["extensions"]["code"] for e in got["errors"]} == {"FIELD_NOT_SHARED"}
    withheld = {tuple(path): e["extensions"]["clause"] for e in got["errors"] for path in e["extensions"]["paths"]}
    assert {path[-1]: clause.split()[1].split(".")[1] for path, clause in withheld.items()} == {
        "police": "10", "probation": "10", "treatment": "10"}, withheld
    # Anyone else: another team's client, a keyworker's client in the community, someone treatment does not
    # hold: not found at all, as an unknown id.
    others = {
        "another team's": [p for p, c in held.items() if c.prison_healthcare_team not in (None, TEAM)],
        "in the community": [p for p, c in held.items() if c.prison_healthcare_team is None],
        "not a client": sorted({f"H{i:08d}" for i in range(1, 301)} - set(held)),
    }
    unknown = await governed.ask(query, {"id": UNKNOWN}, role=ROLE, purpose=PURPOSE)
    assert unknown["data"] == {"person": None} and "errors" not in unknown
    for kind, people in others.items():
        assert people, kind
        for other in sorted(people)[:3]:
            answer = await governed.ask(query, {"id": other}, role=ROLE, purpose=PURPOSE)
            assert {k: v for k, v in answer.items() if k != "extensions"} == {"data": {"person": None}}, kind


async def test_the_keyworker_gets_the_release_date_and_establishment_of_their_clients(
        governed: Governed, settings: Settings) -> None:
    # DOMAIN.md use case 6: the treatment provider needs the release date and establishment.
    releases = await latest_releases(settings)
    mine = {p for p, c in (await clients(settings)).items() if c.keyworker_id == "keyworker-001"}
    got = await governed.ask("{ people(first: 500, filter: {onMyCaseload: true}) { edges { node { id "
                             "probation { releaseDate releaseEstablishment } } } } }",
                             role="treatment-keyworker", purpose="continuity-of-care")
    assert "errors" not in got, got["errors"]
    nodes = {e["node"]["id"]: e["node"]["probation"] for e in got["data"]["people"]["edges"]}
    assert mine <= set(nodes)
    shown = 0
    for person in mine:
        release = releases.get(person)
        if nodes[person] is None or release is None:
            assert release is None or nodes[person] is not None, person
            continue
        assert nodes[person] == {"releaseDate": day(release.release_date).isoformat(),
                                 "releaseEstablishment": release.release_establishment}
        shown += 1
    assert shown


def engaged_within_21_days(released: date, episodes: list[date], attended: list[date]) -> bool | None:
    """The board's measure written out again: null until 21 days have passed since the release."""
    last = released + timedelta(days=21)
    if last > datetime.now(UTC).date():
        return None
    return any(released <= d <= last for d in (*episodes, *attended))


async def test_probation_learns_engagement_within_21_days_of_release_but_not_the_drug_or_dose(
        governed: Governed, settings: Settings) -> None:
    treatment, probation = settings.agency_url("treatment"), settings.agency_url("probation")
    nhs, crn = await person_of(settings, "nhsNumber"), await person_of(settings, "crn")
    caseload = {crn[r[0]] for r in await rows_at(probation,
                                              "SELECT crn FROM offender WHERE offender_manager_code = 'om-001'")}
    consented = {nhs[r[0]] for r in await rows_at(treatment, "SELECT nhs_number FROM consent "
                                                          "WHERE share_with = 'probation' AND withdrawn_on IS NULL")}
    started: dict[str, list[date]] = defaultdict(list)
    for r in await rows_at(treatment, "SELECT nhs_number, started_on FROM episode"):
        started[nhs[r[0]]].append(day(r[1]))
    attended: dict[str, list[date]] = defaultdict(list)
    for r in await rows_at(treatment, "SELECT nhs_number, scheduled_at FROM appointment WHERE attended"):
        attended[nhs[r[0]]].append(day(r[1]))
    released = {p: day(c.released_on) for p, c in (await clients(settings)).items() if c.released_on is not None}
    releases = await latest_releases(settings)
    people = sorted(caseload & consented & set(released))
    answers = []
    for person in people:
        data = await readme.ask(governed, "6b", {"id": person})
        assert data["person"]["probation"]["releaseDate"] == day(releases[person].release_date).isoformat()
        want = engaged_within_21_days(released[person], started[person], attended[person])
        assert data["person"]["treatment"] == {"engagedWithin21DaysOfRelease": want}, person
        answers.append(want)
    assert True in answers and False in answers, answers
    # The drug and the dose stay with treatment: withheld with the clause, never in the answer.
    doses = {r[0]: (r[1], r[2]) for r in await rows_at(treatment, "SELECT nhs_number, medication, daily_dose_mg "
                                                               "FROM ost_prescription")}
    on_ost = sorted(p for p in caseload & consented if next((n for n, q in nhs.items() if q == p), None) in doses)
    assert on_ost, "no one on the caseload with consent is on OST: the withholding proves nothing"
    got = await governed.ask("query($id: ID!) { person(id: $id) { treatment { engaged ostPrescriptions { "
                             "medication dailyDoseMg } episodes { substance } } } }", {"id": on_ost[0]},
                             role="probation-practitioner", purpose="iom")
    assert got["data"]["person"]["treatment"]["ostPrescriptions"] is None
    assert got["data"]["person"]["treatment"]["episodes"] is None
    assert {e["extensions"]["clause"] for e in got["errors"]} == {"TRT-ISA 6.2", "TRT-ISA 5.2"}
    medication = doses[next(n for n, q in nhs.items() if q == on_ost[0])][0]
    assert medication not in json.dumps(got)

"""Use case 5: early release: housing arranges somewhere to stay; victim services are told what they must be."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.conftest import AS_OF
from tests.http.conftest import Governed
from tests.http.seeded import Seeded, as_date
from tests.http.use_cases import readme
from tests.http.use_cases.conftest import housing_officers_people

FROM, TO = AS_OF - timedelta(days=14), AS_OF + timedelta(days=28)


async def test_housing_sees_the_releases_of_its_people(governed: Governed, seeded: Seeded) -> None:
    data = await readme.ask(governed, "5", {"from": str(FROM), "to": str(TO)})
    mine = await housing_officers_people(seeded, "housing-officer-001")
    released = await seeded.people("probation", "crn", (
        f"SELECT crn FROM sentence WHERE release_date BETWEEN '{FROM}' AND '{TO}'"))
    expected = mine & released
    assert expected, "no release in the window among housing-officer-001's people: the seed changed"
    latest = await seeded.latest_releases()
    housing = await seeded.by_person("housing", "housingReference",
                                     "SELECT housing_ref, accommodation_status, duty_stage FROM housing_client")

    nodes = [e["node"] for e in data["people"]["edges"]]
    assert {n["id"] for n in nodes} == expected
    # In release-date order, ties by person id.
    assert [n["id"] for n in nodes] == sorted(
        expected, key=lambda p: (as_date(latest[p].release_date), p))
    for node in nodes:
        row = latest[node["id"]]
        on, decided = as_date(row.release_date), as_date(row.release_decided_on)
        assert on is not None
        notice = (on - decided).days if decided is not None else None
        assert node["name"]
        assert node["probation"] == {
            "releaseDate": str(as_date(row.release_date)), "releaseType": row.release_type.upper(),
            "releaseNoticeDays": notice, "releaseEstablishment": row.release_establishment}
        if node["id"] in housing:
            _, status, stage = housing[node["id"]][0]
            assert node["housing"] == {"accommodationStatus": status.upper(), "dutyStage": stage.upper()}
        else:
            assert node["housing"] is None
    assert any(n["probation"]["releaseNoticeDays"] is not None and n["probation"]["releaseNoticeDays"] <= 20
               for n in nodes), "no short-notice release to arrange for: the seed changed"


async def test_victim_services_are_told_the_date_type_and_exclusion_zones_and_nothing_else(
        governed: Governed, seeded: Seeded) -> None:
    data = await readme.ask(governed, "5b")
    cases = await seeded.people("probation", "crn",
                                "SELECT crn FROM victim_case WHERE liaison_officer_id = 'victim-liaison-001'")
    assert cases, "victim-liaison-001 has no victims' cases: the seed changed"
    latest = await seeded.latest_releases()
    flags = {p: bool(rows[0][1]) for p, rows in (await seeded.by_person(
        "probation", "crn", "SELECT crn, domestic_abuse_perpetrator FROM offender")).items()}
    zones = await seeded.by_person("probation", "crn", (
        "SELECT crn, description, starts_on, ends_on FROM licence_condition WHERE kind = 'exclusion_zone'"))

    nodes = {e["node"]["id"]: e["node"] for e in data["people"]["edges"]}
    assert set(nodes) == cases
    for person, node in nodes.items():
        probation = node["probation"]
        row = latest.get(person)
        assert probation["releaseDate"] == (str(as_date(row.release_date)) if row is not None else None)
        assert probation["releaseType"] == (row.release_type.upper() if row is not None else None)
        assert probation["domesticAbusePerpetrator"] == flags[person]
        assert Counter((c["kind"], c["description"], c["startsOn"], c["endsOn"])
                       for c in probation["licenceConditions"]) == Counter(
            ("EXCLUSION_ZONE", d, str(as_date(s)), str(as_date(e)) if e is not None else None)
            for _, d, s, e in zones.get(person, []))
    assert any(flags[p] for p in nodes), "no domestic-abuse perpetrator among the cases: the seed changed"
    # Nothing else: the establishment, the notice and the rest of the record are refused.
    case = readme.use_case("5b")
    for more in ("releaseEstablishment", "releaseNoticeDays", "ogrsBand", "sentences { offence }"):
        asked = case.query.replace("releaseDate releaseType", f"releaseDate releaseType {more}")
        refused = await governed.ask(asked, role=case.role, purpose=case.purpose, user=case.user)
        assert {e["extensions"]["code"] for e in refused["errors"]} == {"FIELD_NOT_SHARED"}, more
        assert all(p["node"]["probation"][more.split()[0]] is None for p in refused["data"]["people"]["edges"])

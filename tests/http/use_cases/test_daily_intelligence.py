"""Use case 1: the overnight arrests of an offender manager's caseload, and what police see of probation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

from hub.core.offences import group_of
from tests.conftest import AS_OF
from tests.http.conftest import Governed
from tests.http.seeded import Seeded, as_date, as_datetime
from tests.http.use_cases import readme

SINCE = datetime.combine(AS_OF - timedelta(days=1), time(12), tzinfo=UTC)


def utc(value: str) -> datetime:
    found = datetime.fromisoformat(value)
    return found if found.tzinfo else found.replace(tzinfo=UTC)


async def test_overnight_arrests_of_my_caseload(governed: Governed, seeded: Seeded) -> None:
    data = await readme.ask(governed, "1", {"since": SINCE.isoformat()})
    caseload = await seeded.offender_managers_caseload("om-001")
    arrests = await seeded.by_person("police", "pncId",
                                     "SELECT pnc_id, arrested_at, offence, custody_suite, outcome FROM arrest")
    overnight = {p: [a for a in found if as_datetime(a[1]).replace(tzinfo=UTC) >= SINCE]
                 for p, found in arrests.items() if p in caseload}
    expected = {p: found for p, found in overnight.items() if found}
    assert expected, "no overnight arrest on om-001's caseload: the seed changed"

    people = {e["node"]["id"]: e["node"] for e in data["people"]["edges"]}
    assert set(people) == set(expected) and data["people"]["totalCount"] == len(expected)
    for person, node in people.items():
        got = Counter((utc(a["arrestedAt"]), a["offence"], a["offenceGroup"], a["custodySuite"], a["outcome"])
                      for a in node["police"]["arrests"])
        assert got == Counter((as_datetime(at).replace(tzinfo=UTC), offence, group_of(offence).name, suite,
                               outcome.upper()) for _, at, offence, suite, outcome in expected[person])
        assert node["name"] and node["identifiers"]["crn"] and node["identifiers"]["pncId"]


async def test_police_see_probation_status_but_not_the_risk_assessment(governed: Governed, seeded: Seeded) -> None:
    data = await readme.ask(governed, "1b")
    cohort = await seeded.iom_cohort("iom-officer-001")
    offenders = await seeded.by_person("probation", "crn", "SELECT crn, custody_status FROM offender")
    conditions = await seeded.by_person("probation", "crn",
                                        "SELECT crn, kind, description, starts_on, ends_on FROM licence_condition")
    managers = await seeded.by_person("probation", "crn", (
        "SELECT o.crn, m.name, m.email, m.phone FROM offender o "
        "JOIN offender_manager m ON m.staff_code = o.offender_manager_code"))
    people = {e["node"]["id"]: e["node"] for e in data["people"]["edges"]}
    assert set(people) == cohort
    with_probation = [p for p in people if p in offenders]
    assert with_probation, "no one in the cohort is on probation: the seed changed"
    for person in with_probation:
        probation = people[person]["probation"]
        assert probation["custodyStatus"] == offenders[person][0][1].upper()
        assert probation["ogrsBand"] in ("LOW", "MEDIUM", "HIGH")
        if person in managers:
            _, name, email, phone = managers[person][0]
            assert probation["offenderManager"] == {"name": name, "email": email, "phone": phone}
        got = Counter((c["kind"], c["description"], c["startsOn"], c["endsOn"])
                      for c in probation["licenceConditions"])
        assert got == Counter((kind.upper(), description, str(as_date(starts)),
                               str(as_date(ends)) if ends is not None else None)
                              for _, kind, description, starts, ends in conditions.get(person, []))
    # The score itself stays with probation.
    case = readme.use_case("1b")
    refused = await governed.ask(case.query.replace("ogrsBand", "ogrsBand ogrsScore"), role=case.role,
                                 purpose=case.purpose, user=case.user)
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"FIELD_NOT_SHARED"}
    assert all(e["path"][-1] == "ogrsScore" for e in refused["errors"])

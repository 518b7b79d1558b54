"""Use case 9: who looked at this person, when, why and what they were shown; and is the trail whole."""

from __future__ import annotations

from tests.http.conftest import Governed
from tests.http.seeded import Seeded
from tests.http.use_cases import readme

ABOUT = "query($id: ID!) { person(id: $id) { name probation { ogrsScore roshLevel } } }"


async def test_a_subject_access_request_answered_from_the_trail(governed: Governed, seeded: Seeded) -> None:
    caseload = await seeded.offender_managers_caseload("om-001")
    cohort = await seeded.iom_cohort("iom-officer-001")
    person = sorted(caseload - cohort)[0]
    other = sorted(caseload - {person})[0]
    # Their offender manager reads the risk assessment; a police officer outside the case is refused it.
    seen = await governed.ask(ABOUT, {"id": person}, role="probation-practitioner", purpose="iom")
    assert seen["data"]["person"]["probation"]["ogrsScore"] is not None
    refused = await governed.ask(ABOUT, {"id": person}, role="police-iom-officer", purpose="iom")
    assert refused["data"]["person"]["probation"] is None
    await governed.ask(ABOUT, {"id": other}, role="probation-practitioner", purpose="iom")

    data = await readme.ask(governed, "9", {"personId": person})
    report = data["subjectAccessReport"]
    assert report["personId"] == person
    by_actor = {d["actorId"]: d for d in report["disclosures"]}
    # Exactly the two requests about them: not the one about someone else, not this one.
    assert len(report["disclosures"]) == 2 and set(by_actor) == {"om-001", "iom-officer-001"}
    manager, police = by_actor["om-001"], by_actor["iom-officer-001"]
    assert (manager["agency"], manager["roles"], manager["purpose"]) == ("probation", ["probation-practitioner"], "iom")
    assert {"Person.name", "ProbationRecord.ogrsScore", "ProbationRecord.roshLevel"} <= set(manager["disclosed"])
    assert not manager["withheld"] and manager["legalBases"]
    # Police outside the case: who the person is, and that probation's record was withheld as a whole
    # (whether probation holds one is itself data, so not even its fields are named).
    assert set(police["disclosed"]) == {"Person.id", "Person.name"}
    assert police["withheld"] == [{"field": "Person.probation"}]
    integrity = data["auditIntegrity"]
    assert integrity["ok"] and integrity["problem"] is None and integrity["records"] >= 3

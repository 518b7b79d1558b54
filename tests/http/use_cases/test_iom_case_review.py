"""Use case 2: one view of an IOM cohort member across the agencies for the IOM panel."""

from __future__ import annotations

from collections import Counter

from hub.core.boroughs import Borough
from tests.http.conftest import Governed
from tests.http.seeded import Seeded, as_date
from tests.http.use_cases import readme


def band(score: int) -> str:
    """DOMAIN.md's bands: low under 50, medium 50-74, high 75 and over."""
    return "LOW" if score < 50 else "MEDIUM" if score < 75 else "HIGH"


async def test_one_view_of_a_cohort_member_for_the_panel(governed: Governed, seeded: Seeded) -> None:
    cohort = await seeded.by_person("police", "pncId",
                                    "SELECT pnc_id, iom_cohort FROM nominal WHERE iom_officer_id = 'iom-officer-001'")
    offenders = await seeded.by_person("probation", "crn", "SELECT crn, ogrs_score, rosh_level FROM offender")
    housing = await seeded.by_person("housing", "housingReference", (
        "SELECT housing_ref, accommodation_status, borough, duty_stage FROM housing_client"))
    clients = await seeded.by_person("treatment", "nhsNumber", (
        "SELECT c.nhs_number, EXISTS (SELECT 1 FROM episode e WHERE e.nhs_number = c.nhs_number "
        "AND e.ended_on IS NULL) FROM treatment_client c"))
    everywhere = sorted(p for p in cohort if p in offenders and p in housing and p in clients)
    assert everywhere, "no cohort member known to all four agencies: the seed changed"
    arrests = await seeded.by_person("police", "pncId", "SELECT pnc_id, outcome FROM arrest")
    markers = await seeded.by_person("police", "pncId", "SELECT pnc_id, marker FROM warning_marker")
    conditions = await seeded.by_person("probation", "crn", "SELECT crn, kind, description FROM licence_condition")
    referrals = await seeded.by_person("probation", "crn", "SELECT crn, pathway, referred_on, open FROM referral")

    for person in everywhere[:3]:
        node = (await readme.ask(governed, "2", {"id": person}))["person"]
        assert node["id"] == person and node["name"]
        police, probation = node["police"], node["probation"]
        assert police["iomCohort"] == cohort[person][0][1].upper()
        assert Counter(a["outcome"] for a in police["arrests"]) == Counter(
            o.upper() for _, o in arrests.get(person, []))
        assert sorted(m["marker"] for m in police["warningMarkers"]) == sorted(
            m.upper() for _, m in markers.get(person, []))
        _, score, rosh = offenders[person][0]
        assert probation["ogrsBand"] == band(score) and probation["roshLevel"] == rosh.upper()
        assert Counter((c["kind"], c["description"]) for c in probation["licenceConditions"]) == Counter(
            (k.upper(), d) for _, k, d in conditions.get(person, []))
        assert Counter((r["pathway"], r["referredOn"], r["open"]) for r in probation["referrals"]) == Counter(
            (p.upper(), str(as_date(on)), bool(is_open)) for _, p, on, is_open in referrals.get(person, []))
        _, status, borough, stage = housing[person][0]
        assert node["housing"] == {"accommodationStatus": status.upper(), "lastKnownBorough": Borough(borough).name,
                                   "dutyStage": stage.upper()}
        assert node["treatment"] == {"engaged": bool(clients[person][0][1])}


async def test_the_panel_gets_engagement_but_no_clinical_detail(governed: Governed, seeded: Seeded) -> None:
    case = readme.use_case("2")
    cohort = await seeded.iom_cohort("iom-officer-001")
    person = sorted(cohort)[0]
    clinical = case.query.replace("treatment { engaged }", "treatment { engaged ostPrescriptions { medication } }")
    refused = await governed.ask(clinical, {"id": person}, role=case.role, purpose=case.purpose, user=case.user)
    assert [e["path"][-1] for e in refused["errors"]] == ["ostPrescriptions"]
    assert refused["errors"][0]["extensions"]["code"] == "FIELD_NOT_SHARED"

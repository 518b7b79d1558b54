"""The shipped agreements against DOMAIN.md's matrix: every field, for every role's usual purpose.

One row per catalogued field; columns as in DOMAIN.md. "A" allow, "D" deny, "D agg" deny per
record but usable in aggregates, "M <mask>" revealed under a mask ("hidden": that mask withholds
this field), "if <condition>" checked per person at query time ("relationship": DOMAIN.md's R, own caseload or an open
referral to the caller's service; "victim_case": its V), "as <transform>" what the mask's transform makes
of the value. The last two columns are not in DOMAIN.md's table but follow its use cases 4 and 6: a MAPPA
coordinator gets police and probation data (no clinical data) for the level 1 cases they review; prison
healthcare the release date and establishment, engagement and the OST it prescribes, for the people in its care.
"""

from __future__ import annotations

import pytest

from policies.policy_set import PolicySet
from tests.policies.conftest import summary

USUAL = {
    "police-iom-officer": "iom",
    "probation-practitioner": "daily-intel",
    "housing-officer": "housing-referral",
    "treatment-keyworker": "continuity-of-care",
    "victim-liaison": "victim-contact",
    "partnership-analyst": "partnership-analytics",
    "employment-adviser": "employment-support",
    "mappa-coordinator": "mappa",
    "prison-healthcare": "continuity-of-care",
}
COLUMNS = tuple(USUAL)

C, CK, V, R = "A if caseload", "A if caseload+consent", "A if victim_case", "A if relationship"
AGG = "D agg"
BAND_C, BAND_HIDDEN_C = "M band if caseload", "M band hidden if caseload"
ROSH_R, ROSH_HIDDEN_R = "M rosh_only if relationship", "M rosh_only hidden if relationship"
PCD_R, PCD_HIDDEN_R = "M postcode_district if relationship", "M postcode_district hidden if relationship"
YEAR_R, YEAR_HIDDEN_R = "M dob_year if relationship", "M dob_year hidden if relationship"
NAME_V, NAME_HIDDEN_V = "M name_only if victim_case", "M name_only hidden if victim_case"
ZONES_V = "M exclusion_zones as exclusion_zones if victim_case"
SUMMARY_C, SUMMARY_HIDDEN_C = "M summary if caseload", "M summary hidden if caseload"

# field                               police    probation   housing       treatment   victim               analyst  employment  mappa coordinator prison healthcare
MATRIX: list[tuple[str, str, str, str, str, str, str, str, str, str]] = [
    # identity: name, DOB (all)
    ("Person.name",                       "A",      "A",        YEAR_R,       R,          NAME_V,              "D", R,          C,                C),
    ("Person.dateOfBirth",                "A",      "A",        YEAR_HIDDEN_R, R,         NAME_HIDDEN_V,       "D", R,          C,                C),
    ("Person.birthYear",                  "A",      "A",        YEAR_R,       R,          NAME_HIDDEN_V,       "D", R,          C,                C),
    # identifiers PNC/CRN/prison no.
    ("Identifiers.pncId",                 "A",      "A",        "D",          "D",        "D",                 "D", "D",        C,                "D"),
    ("Identifiers.croNumber",             "A",      "A",        "D",          "D",        "D",                 "D", "D",        C,                "D"),
    ("Identifiers.crn",                   "A",      "A",        "D",          "D",        "D",                 "D", "D",        C,                "D"),
    ("Identifiers.prisonNumber",          "A",      "A",        "D",          "D",        "D",                 "D", "D",        C,                "D"),
    # NHS number (treatment)
    ("Identifiers.nhsNumber",             "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              C),
    # housing reference (not in DOMAIN's table: housing A, probation and police C)
    ("Identifiers.housingReference",      C,        C,          "A",          "D",        "D",                 "D", "D",        "D",              "D"),
    # IOM cohort and officer (police A, probation A, analyst aggregate)
    ("PoliceRecord.iomCohort",            "A",      "A",        "D",          "D",        "D",                 AGG, "D",        C,                "D"),
    ("PoliceRecord.iomOfficer",           "A",      "A",        "D",          "D",        "D",                 AGG, "D",        C,                "D"),
    # warning markers (police A, probation C)
    ("PoliceRecord.warningMarkers",       "A",      C,          "D",          "D",        "D",                 "D", "D",        C,                "D"),
    # arrests, custody outcome (police)
    ("PoliceRecord.arrests",              "A",      C,          "D",          "D",        "D",                 AGG, "D",        C,                "D"),
    # intelligence reports (police): probation summary only, own caseload
    ("PoliceRecord.intelligence",         "A",      SUMMARY_C,  "D",          "D",        "D",                 "D", "D",        SUMMARY_C,        "D"),
    ("IntelligenceReport.recordedAt",     "A",      SUMMARY_C,  "D",          "D",        "D",                 "D", "D",        SUMMARY_C,        "D"),
    ("IntelligenceReport.grading",        "A",      SUMMARY_C,  "D",          "D",        "D",                 "D", "D",        SUMMARY_C,        "D"),
    ("IntelligenceReport.summary",        "A",      SUMMARY_C,  "D",          "D",        "D",                 "D", "D",        SUMMARY_C,        "D"),
    ("IntelligenceReport.detail",         "A",      SUMMARY_HIDDEN_C, "D",    "D",        "D",                 "D", "D",        SUMMARY_HIDDEN_C, "D"),
    # supervision (status, tier, offender manager)
    ("ProbationRecord.custodyStatus",     "A",      "A",        "A",          "A",        "D",                 "D", "A",        C,                "D"),
    ("ProbationRecord.tier",              "A",      "A",        "A",          "A",        "D",                 "D", "A",        C,                "D"),
    ("ProbationRecord.offenderManager",   "A",      "A",        "A",          "A",        "D",                 "D", "A",        C,                "D"),
    # licence conditions, exclusion zones (probation)
    ("ProbationRecord.licenceConditions", C,        "A",        "D",          "D",        ZONES_V,             "D", "D",        C,                "D"),
    # OGRS %, RoSH level, MAPPA level (probation)
    ("ProbationRecord.ogrsScore",         BAND_HIDDEN_C, "A",   ROSH_HIDDEN_R, "D",       "D",                 AGG, "D",        C,                "D"),
    ("ProbationRecord.ogrsBand",          BAND_C,   "A",        ROSH_HIDDEN_R, "D",       "D",                 AGG, "D",        C,                "D"),
    ("ProbationRecord.roshLevel",         BAND_C,   "A",        ROSH_R,       "D",        "D",                 AGG, "D",        C,                "D"),
    ("ProbationRecord.mappaCategory",     BAND_HIDDEN_C, "A",   ROSH_HIDDEN_R, "D",       "D",                 AGG, "D",        C,                "D"),
    ("ProbationRecord.mappaLevel",        BAND_C,   "A",        ROSH_HIDDEN_R, "D",       "D",                 AGG, "D",        C,                "D"),
    ("ProbationRecord.nextReviewDate",    BAND_HIDDEN_C, "A",   ROSH_HIDDEN_R, "D",       "D",                 AGG, "D",        C,                "D"),
    # release date and type (probation)
    ("ProbationRecord.releaseDate",       C,        "A",        R,            R,          V,                   AGG, R,          C,                C),
    ("ProbationRecord.releaseType",       C,        "A",        R,            R,          V,                   AGG, R,          C,                C),
    # release detail (not in DOMAIN's table): victim services are told the date and type only
    ("ProbationRecord.releaseEstablishment", C,     "A",        R,            R,          "D",                 "D", R,          C,                C),
    ("ProbationRecord.releaseNoticeDays", C,        "A",        R,            R,          "D",                 "D", R,          C,                C),
    # domestic-abuse perpetrator flag (not in DOMAIN's table: victim services told for their victims' cases)
    ("ProbationRecord.domesticAbusePerpetrator", C, "A",        "D",          "D",        V,                   "D", "D",        C,                "D"),
    # sentence (police C, probation A) and referrals (police C, probation A, housing C)
    ("ProbationRecord.sentences",         C,        "A",        "D",          "D",        "D",                 "D", "D",        C,                "D"),
    ("ProbationRecord.referrals",         C,        "A",        C,            "D",        "D",                 "D", "D",        C,                "D"),
    # address (housing)
    ("HousingRecord.address",             C,        C,          "A",          PCD_HIDDEN_R, "D",               "D", "D",        "D",              "D"),
    ("HousingRecord.postcodeDistrict",    C,        C,          "A",          PCD_R,      "D",                 "D", "D",        "D",              "D"),
    ("HousingRecord.borough",             C,        C,          "A",          PCD_R,      "D",                 AGG, "D",        "D",              "D"),
    ("HousingRecord.lastKnownBorough",    C,        C,          "A",          PCD_R,      "D",                 AGG, "D",        "D",              "D"),
    # accommodation status, duty stage (housing)
    ("HousingRecord.accommodationStatus", C,        C,          "A",          C,          "D",                 AGG, "D",        C,                "D"),
    ("HousingRecord.statusSince",         C,        C,          "A",          C,          "D",                 AGG, "D",        C,                "D"),
    ("HousingRecord.dutyStage",           C,        C,          "A",          C,          "D",                 AGG, "D",        C,                "D"),
    ("HousingRecord.dutyToRefer",         C,        C,          "A",          C,          "D",                 AGG, "D",        C,                "D"),
    ("HousingRecord.placements",          C,        C,          "A",          C,          "D",                 AGG, "D",        C,                "D"),
    # treatment engagement yes/no (treatment)
    ("TreatmentRecord.engaged",           C,        CK,         "D",          "A",        "D",                 AGG, "D",        "D",              C),
    ("TreatmentRecord.engagedWithin21DaysOfRelease", C, CK,     "D",          "A",        "D",                 AGG, "D",        "D",              C),
    # treatment detail (treatment only)
    ("TreatmentRecord.service",           "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              "D"),
    ("TreatmentRecord.episodes",          "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              "D"),
    ("TreatmentRecord.requirements",      "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              "D"),
    ("TreatmentRecord.appointments",      "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              "D"),
    ("TreatmentRecord.consents",          "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              "D"),
    # OST medication and dose (treatment)
    ("TreatmentRecord.ostPrescriptions",  "D",      "D",        "D",          "A",        "D",                 "D", "D",        "D",              C),
    # National Insurance number (employment)
    ("Identifiers.niNumber",              "D",      "D",        "D",          "D",        "D",                 "D", "A",        "D",              "D"),
    # employment status and outcomes after release (employment): police and probation C, analyst aggregate
    ("EmploymentRecord.employmentStatus", C,        C,          "D",          "D",        "D",                 AGG, "A",        "D",              "D"),
    ("EmploymentRecord.statusSince",      C,        C,          "D",          "D",        "D",                 AGG, "A",        "D",              "D"),
    ("EmploymentRecord.adviser",          C,        C,          "D",          "D",        "D",                 AGG, "A",        "D",              "D"),
    ("EmploymentRecord.releasedOn",       C,        C,          "D",          "D",        "D",                 AGG, "A",        "D",              "D"),
    ("EmploymentRecord.employedSixWeeksAfterRelease", C, C,     "D",          "D",        "D",                 AGG, "A",        "D",              "D"),
    ("EmploymentRecord.employedSixMonthsAfterRelease", C, C,    "D",          "D",        "D",                 AGG, "A",        "D",              "D"),
    # education, training and employment referrals, and jobs (employment): probation C
    ("EmploymentRecord.eteReferrals",     "D",      C,          "D",          "D",        "D",                 "D", "A",        "D",              "D"),
    ("EmploymentRecord.jobs",             "D",      C,          "D",          "D",        "D",                 "D", "A",        "D",              "D"),
]

CELLS = [(role, USUAL[role], row[0], row[1 + i]) for row in MATRIX for i, role in enumerate(COLUMNS)]


def test_the_matrix_covers_every_catalogued_field(shipped: PolicySet) -> None:
    assert sorted(row[0] for row in MATRIX) == sorted(shipped.catalogue.fields)


@pytest.mark.parametrize(("role", "purpose", "field", "expected"), CELLS,
                         ids=[f"{r}-{f}" for r, _, f, _ in CELLS])
def test_cell(shipped: PolicySet, role: str, purpose: str, field: str, expected: str) -> None:
    d = shipped.plan((role,), purpose).field(field)
    assert summary(d) == expected
    assert d.visible == (not expected.startswith("D") and "hidden" not in expected)
    assert d.clause and d.agreement and d.legal_basis


@pytest.mark.parametrize("role", COLUMNS)
def test_each_role_gets_the_same_column_under_all_its_purposes(shipped: PolicySet, role: str) -> None:
    usual = shipped.plan((role,), USUAL[role])
    purposes = shipped.permitted_purposes((role,))
    assert USUAL[role] in purposes
    for purpose in purposes:
        plan = shipped.plan((role,), purpose)
        assert {k: summary(d) for k, d in plan.decisions.items()} == {
            k: summary(d) for k, d in usual.decisions.items()}, purpose


def test_ig_officer_under_audit_sees_no_person_data(shipped: PolicySet) -> None:
    plan = shipped.plan(("ig-officer",), "audit")
    assert shipped.permitted_purposes(("ig-officer",)) == ("audit",)
    assert {summary(d) for d in plan.decisions.values()} == {"D"}


def test_catalogue_carries_mask_transforms(shipped: PolicySet) -> None:
    entry = shipped.catalogue.fields["Person.name"]
    assert entry.masks["initials"] == "initials"
    assert entry.masks["name_only"] is None


def test_clauses_name_the_owning_agreement_and_the_purpose_basis(shipped: PolicySet) -> None:
    d = shipped.plan(("housing-officer",), "housing-referral").field("ProbationRecord.roshLevel")
    assert (d.agreement, d.clause) == ("Probation ISA", "PROB-ISA 5.3")
    assert d.legal_basis == shipped.legal_basis("housing-referral")
    consent = shipped.plan(("probation-practitioner",), "iom").field("TreatmentRecord.engaged")
    assert "consent" in consent.legal_basis

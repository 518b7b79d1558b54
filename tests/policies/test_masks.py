from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.probation.records import LicenceCondition, LicenceConditionKind
from hub.core.errors import BadUserInput
from hub.core.identifiers import postcode_district
from hub.core.ogrs import OgrsBand
from policies.field_types import field_types
from policies.loader import check_policy
from policies.masks import REGISTRY, birth_year, exclusion_zones, initials, ogrs_band
from policies.vocabulary import TRANSFORMS
from tests.policies.conftest import Edit


@pytest.mark.parametrize(("name", "expected"), [
    ("John Smith", "J. S."), ("mary ann o'neil", "M. A. O."), ("Jean-Luc Picard", "J. L. P."), ("", "")])
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_birth_year() -> None:
    assert birth_year(date(1987, 3, 14)) == 1987


@pytest.mark.parametrize(("score", "band"), [
    (0, OgrsBand.LOW), (49.9, OgrsBand.LOW), (50, OgrsBand.MEDIUM), (74.99, OgrsBand.MEDIUM), (75, OgrsBand.HIGH),
    (100, OgrsBand.HIGH)])
def test_ogrs_band(score: float, band: OgrsBand) -> None:
    assert ogrs_band(score) == band


@pytest.mark.parametrize("score", [-1, 100.5])
def test_ogrs_band_rejects_non_percentages_without_echoing_them(score: float) -> None:
    with pytest.raises(BadUserInput) as caught:
        ogrs_band(score)
    assert str(score) not in caught.value.message


@pytest.mark.parametrize(("postcode", "district"), [("E8 1AB", "E8"), ("SW1A 2AA", "SW1A"), ("n170ab", "N17")])
def test_postcode_district(postcode: str, district: str) -> None:
    assert postcode_district(postcode) == district


def test_postcode_district_rejects_a_bad_postcode() -> None:
    with pytest.raises(BadUserInput):
        postcode_district("not a postcode")


# ---- the registry and what `hub policy check` makes of it ---------------------------------------

def test_every_transform_the_vocabulary_names_is_registered_with_types_the_schema_has() -> None:
    assert set(TRANSFORMS) == set(REGISTRY)
    named = {t.strip("[]!") for t in field_types().values()} | {"String", "Int", "Float", "Date"}
    for t in REGISTRY.values():
        assert {x.strip("[]!") for x in (*t.accepts, t.returns)} <= named, t.name


def test_exclusion_zones_keeps_only_the_exclusion_zones() -> None:
    kinds = list(LicenceConditionKind)
    conditions = [LicenceCondition(i, kind, "", date(2026, 1, 1), None) for i, kind in enumerate(kinds)]
    assert [c.kind for c in exclusion_zones(conditions)] == [LicenceConditionKind.EXCLUSION_ZONE]


def test_the_shipped_catalogue_passes(policy_copy: Path) -> None:
    policy, problems = check_policy(policy_copy)
    assert policy is not None, problems


@pytest.mark.parametrize(("line", "added", "message"), [
    # an address is a record (line, postcode, UPRN), not a postcode string
    ("HousingRecord.address,address,housing,", "postcode_district:postcode_district",
     "transform postcode_district takes String and gives String, so it cannot apply to HousingRecord.address "
     "(Address)"),
    # a year in a Date field would fail every request
    ("Person.dateOfBirth,identity,all,", "dob_year:birth_year",
     "transform birth_year takes Date and gives Int, so it cannot apply to Person.dateOfBirth (Date)"),
    ("ProbationRecord.ogrsScore,risk,probation,", "band:ogrs_band",
     "transform ogrs_band takes Float or Int and gives OgrsBand, so it cannot apply to ProbationRecord.ogrsScore "
     "(Int)"),
    ("Person.dateOfBirth,identity,all,\n", "Person.nickname,identity,all,initials:initials\n",
     "transform initials cannot apply to Person.nickname: no such field in the GraphQL schema"),
    ("TreatmentRecord.service,treatment_detail,treatment,", "summary:scramble",
     "unknown transform 'scramble' for field TreatmentRecord.service"),
])
def test_check_rejects_a_transform_that_cannot_apply(policy_copy: Path, edit: Edit, line: str, added: str,
                                                      message: str) -> None:
    edit("fields.csv", line, line + added)
    policy, problems = check_policy(policy_copy)
    assert policy is None
    assert [p.message for p in problems if p.severity == "error"] == [message]


def test_check_accepts_a_transform_on_an_agency_record_field(policy_copy: Path, edit: Edit) -> None:
    edit("fields.csv", "TreatmentRecord.service,treatment_detail,treatment,",
         "TreatmentRecord.service,treatment_detail,treatment,summary:initials")
    policy, problems = check_policy(policy_copy)
    assert policy is not None, problems
    assert policy.catalogue.fields["TreatmentRecord.service"].masks == {"summary": "initials"}

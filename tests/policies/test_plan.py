"""Purpose permissions, multi-role callers, fail-closed lookups and the version of a policy set."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hub.core.errors import PurposeNotPermitted
from policies.explain import explain, my_access
from policies.loader import PACKAGED, load_policy, policy_files
from policies.policy_set import PolicySet
from policies.vocabulary import AGREEMENT_OWNERS, CONDITIONS
from tests.policies.conftest import Edit, summary

PERMITTED = [
    ("police-iom-officer", "iom", True),
    ("police-iom-officer", "mappa", True),
    ("police-iom-officer", "daily-intel", False),
    ("police-iom-officer", "housing-referral", False),
    ("probation-practitioner", "daily-intel", True),
    ("probation-practitioner", "continuity-of-care", False),
    ("housing-officer", "housing-referral", True),
    ("housing-officer", "iom", False),
    ("treatment-keyworker", "continuity-of-care", True),
    ("treatment-keyworker", "iom", False),
    ("victim-liaison", "victim-contact", True),
    ("victim-liaison", "safeguarding", False),
    ("partnership-analyst", "partnership-analytics", True),
    ("partnership-analyst", "iom", False),
    ("ig-officer", "audit", True),
    ("ig-officer", "iom", False),
    ("police-iom-officer", "audit", False),
    ("police-iom-officer", "not-a-purpose", False),
    ("not-a-role", "iom", False),
]


@pytest.mark.parametrize(("role", "purpose", "permitted"), PERMITTED)
def test_purpose_permissions(shipped: PolicySet, role: str, purpose: str, permitted: bool) -> None:
    assert shipped.purpose_permitted((role,), purpose) is permitted
    if not permitted:
        with pytest.raises(PurposeNotPermitted) as caught:
            shipped.plan((role,), purpose)
        assert caught.value.code == "PURPOSE_NOT_PERMITTED"


def test_justification_and_legal_basis_per_purpose(shipped: PolicySet) -> None:
    assert shipped.justification_required("safeguarding")
    assert shipped.justification_required("audit")
    assert not shipped.justification_required("iom")
    assert shipped.justification_required("unknown")  # fail closed
    assert shipped.legal_basis("iom") == "Crime and Disorder Act 1998 s115; DPA 2018 Part 3"
    assert shipped.legal_basis("unknown") is None


def test_version_is_a_content_hash_of_the_files(shipped: PolicySet, policy_copy: Path, edit: Edit) -> None:
    assert len(shipped.version) == 12 and int(shipped.version, 16) >= 0
    assert load_policy(policy_copy).version == shipped.version
    edit("agreements/purposes.csv", "# Purposes of use", "# Purposes  of use")
    assert load_policy(policy_copy).version != shipped.version
    files = policy_files(PACKAGED)
    # model.conf, fields.csv, purposes.csv, roles.csv and each owner's agreement (the partnership's, each agency's)
    assert len(files) == 4 + len(AGREEMENT_OWNERS) and all(f.exists() for f in files)
    assert shipped.version != hashlib.sha256(b"").hexdigest()[:12]


def test_an_uncatalogued_field_is_denied_to_everyone(shipped: PolicySet) -> None:
    for role, purpose in (("police-iom-officer", "iom"), ("treatment-keyworker", "continuity-of-care")):
        d = shipped.plan((role,), purpose).field("ProbationRecord.secretNotes")
        assert (d.effect, d.visible, d.transform) == ("deny", False, None)
        assert "catalogue" in d.clause


def test_fields_of_type(shipped: PolicySet) -> None:
    plan = shipped.plan(("housing-officer",), "housing-referral")
    housing = plan.fields_of_type("HousingRecord")
    assert {d.field_key for d in housing} == {k for k in shipped.catalogue.fields if k.startswith("HousingRecord.")}
    assert all(d.visible and d.condition is None for d in housing)
    assert plan.fields_of_type("Nothing") == ()


def test_plans_are_reused_per_roles_and_purpose(shipped: PolicySet) -> None:
    a = shipped.plan(("probation-practitioner", "housing-officer"), "housing-referral")
    b = shipped.plan(("housing-officer", "probation-practitioner", "victim-liaison"), "housing-referral")
    assert a is b
    assert a.roles == ("probation-practitioner", "housing-officer")


def test_multi_role_takes_the_most_permissive_decision_per_field(shipped: PolicySet) -> None:
    plan = shipped.plan(("housing-officer", "probation-practitioner"), "housing-referral")
    # probation allows risk outright; housing's RoSH-only mask would hide the OGRS score
    assert summary(plan.field("ProbationRecord.ogrsScore")) == "A"
    assert plan.field("ProbationRecord.ogrsScore").role == "probation-practitioner"
    # housing allows the address outright; probation only for its caseload
    assert summary(plan.field("HousingRecord.address")) == "A"
    assert plan.field("HousingRecord.address").clause == "HOUS-ISA 4.3"
    # identity: probation's allow beats housing's dob_year mask
    assert summary(plan.field("Person.dateOfBirth")) == "A"


def test_multi_role_prefers_unconditional_and_keeps_the_chosen_condition(shipped: PolicySet) -> None:
    plan = shipped.plan(("police-iom-officer", "housing-officer"), "mappa")
    # police: the address of its cohort only; housing: everyone's
    assert summary(plan.field("HousingRecord.address")) == "A"
    # the OGRS band is revealed only by the police rule, so its caseload condition comes with it
    assert summary(plan.field("ProbationRecord.ogrsBand")) == "M band if caseload"
    assert not plan.field("ProbationRecord.ogrsScore").visible
    # both reveal RoSH masked under a condition: a tie keeps the first role's rule, whole
    assert summary(plan.field("ProbationRecord.roshLevel")) == "M band if caseload"
    assert summary(plan.field("PoliceRecord.arrests")) == "A"


def test_roles_not_permitted_the_purpose_do_not_count(shipped: PolicySet) -> None:
    # a victim liaison officer who is also a housing officer, asking for housing-referral
    plan = shipped.plan(("victim-liaison", "housing-officer"), "housing-referral")
    assert plan.roles == ("housing-officer",)
    assert summary(plan.field("ProbationRecord.licenceConditions")) == "D"


def test_explain_names_rule_clause_and_basis(shipped: PolicySet) -> None:
    e = explain(shipped, "ProbationRecord.ogrsBand", "police-iom-officer", "iom")
    assert e.purpose_permitted and e.decision is not None
    assert (e.decision.clause, e.decision.mask, e.decision.condition) == ("PROB-ISA 5.1", "band", "caseload")
    assert e.source is not None and e.source.startswith("probation-isa.csv:")
    assert "caseload" in e.reason
    refused = explain(shipped, "Person.name", "ig-officer", "iom")
    assert not refused.purpose_permitted and refused.decision is None
    unknown = explain(shipped, "Person.shoeSize", "police-iom-officer", "iom")
    assert unknown.decision is not None and not unknown.decision.visible and "catalogue" in unknown.reason


def test_my_access_lists_every_field_with_its_clause(shipped: PolicySet) -> None:
    access = my_access(shipped, ("victim-liaison",), "victim-contact")
    assert access.legal_basis.startswith("Domestic Violence")
    assert access.policy_version == shipped.version
    assert len(access.fields) == len(shipped.catalogue.fields)
    visible = {d.field_key for d in access.fields if d.visible}
    assert visible == {"Person.name", "ProbationRecord.licenceConditions", "ProbationRecord.releaseDate",
                       "ProbationRecord.releaseType", "ProbationRecord.domesticAbusePerpetrator"}
    with pytest.raises(PurposeNotPermitted):
        my_access(shipped, ("victim-liaison",), "iom")


@pytest.mark.parametrize("condition", CONDITIONS)
def test_explain_describes_every_condition(policy_copy: Path, edit: Edit, condition: str) -> None:
    rule = "housing-officer,*,release,allow,relationship,"
    edit("agreements/probation-isa.csv", rule, rule.replace("relationship", condition))
    e = explain(load_policy(policy_copy), "ProbationRecord.releaseDate", "housing-officer", "housing-referral")
    assert e.decision is not None and e.decision.condition == condition
    assert ", only for " in e.reason or ", only where " in e.reason

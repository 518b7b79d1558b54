"""`hub policy check`: each kind of mistake in the files is caught with its file and line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hub.core.settings import Settings
from policies import cli
from policies.loader import PolicyInvalid, check_policy, load_policy
from policies.sources import Problem
from tests.policies.conftest import Edit

HOUSING_ROSH = "housing-officer,*,risk,mask:rosh_only,relationship,,Probation ISA,PROB-ISA 5.3,"
POLICE_ARRESTS = "police-iom-officer,*,arrests,allow,,,Police ISA,POL-ISA 5.1,"
PROBATION_ARRESTS = "probation-practitioner,*,arrests,allow,caseload,,Police ISA,POL-ISA 5.2,"

MISTAKES = [
    # (file, old, new, message fragment)
    ("fields.csv", "ProbationRecord.tier,supervision,", "ProbationRecord.tier,supervisoin,",
     "fields.csv:", "unknown group 'supervisoin' for field ProbationRecord.tier"),
    ("fields.csv", "ProbationRecord.ogrsBand,risk,probation,band", "ProbationRecord.ogrsBand,risk,probation,bnad",
     "fields.csv:", "unknown mask 'bnad'"),
    ("fields.csv", "Person.birthYear,identity,all,dob_year", "Person.birthYear,identity,all,dob_year:roman",
     "fields.csv:", "unknown transform 'roman'"),
    ("fields.csv", "TreatmentRecord.engaged,", "TreatmentRecord,",
     "fields.csv:", "is not of the form Type.field"),
    ("fields.csv", "HousingRecord.address,address,housing,", "HousingRecord.address,address,council,",
     "fields.csv:", "unknown owner 'council'"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("housing-officer", "housing-oficer"),
     "probation-isa.csv:27", "unknown role 'housing-oficer'"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("*", "housing"),
     "probation-isa.csv:27", "unknown purpose 'housing'"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("*", "iom"),
     "probation-isa.csv:27", "role housing-officer is not permitted purpose iom"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace(",risk,", ",risks,"),
     "probation-isa.csv:27", "unknown group 'risks'"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("rosh_only", "rosh"),
     "probation-isa.csv:27", "unknown mask 'rosh'"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("mask:rosh_only", "show"),
     "probation-isa.csv:27", "effect must be allow, deny or mask:<mask>"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("relationship", "cohort"),
     "probation-isa.csv:27", "unknown condition 'cohort'"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("mask:rosh_only", "deny"),
     "probation-isa.csv:27", "a deny takes no condition"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("relationship,,", "relationship,yes,"),
     "probation-isa.csv:27", "aggregate=yes marks a record-level deny"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("PROB-ISA 5.3", ""),
     "probation-isa.csv:27", "every rule names its agreement and clause"),
    ("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH + ",extra",
     "probation-isa.csv:27", "expected 9 columns, found 10"),
    ("agreements/police-isa.csv", POLICE_ARRESTS, POLICE_ARRESTS + "\n" + POLICE_ARRESTS.replace("allow", "deny"),
     "police-isa.csv:", "conflicting rules for police-iom-officer / * / arrests: deny here, allow at police-isa.csv:"),
    ("agreements/police-isa.csv", POLICE_ARRESTS, POLICE_ARRESTS + "\n" + POLICE_ARRESTS,
     "police-isa.csv:", "duplicate rule for police-iom-officer / * / arrests"),
    ("agreements/police-isa.csv", PROBATION_ARRESTS, PROBATION_ARRESTS.replace("*", "iom").replace("allow", "deny")
     .replace("caseload", "") + "\n" + PROBATION_ARRESTS.replace("*", "iom"),
     "police-isa.csv:", "conflicting rules for probation-practitioner / iom / arrests"),
    ("agreements/purposes.csv", "daily-intel,probation-practitioner,", "daily-intel,probation-practioner,",
     "purposes.csv:", "unknown role 'probation-practioner' for purpose daily-intel"),
    ("agreements/purposes.csv", "safeguarding,", "safe-guarding,",
     "purposes.csv:", "unknown purpose 'safe-guarding'"),
    ("agreements/purposes.csv", "audit,ig-officer,yes,", "audit,ig-officer,maybe,",
     "purposes.csv:", "justification must be yes or no"),
    ("agreements/purposes.csv", "purpose,roles,justification,legal_basis", "purpose,roles,legal_basis",
     "purposes.csv:", "header must be purpose,roles,justification,legal_basis"),
    ("agreements/roles.csv", "victim-liaison,probation", "victim-liason,probation",
     "roles.csv:", "unknown role 'victim-liason'"),
    ("agreements/roles.csv", "housing-officer,housing", "housing-officer,housing council",
     "roles.csv:", "unknown agency 'council' for role housing-officer"),
    ("agreements/roles.csv", "ig-officer,partnership", "ig-officer,partnership\nig-officer,police",
     "roles.csv:", "role ig-officer is listed twice"),
    ("agreements/roles.csv", "treatment-keyworker,treatment", "treatment-keyworker,",
     "roles.csv:", "role treatment-keyworker names no agency"),
    ("agreements/roles.csv", "role,agencies", "role,agency",
     "roles.csv:", "header must be role,agencies"),
    ("model.conf", "m = r.role == p.role", "m = r.rolex == p.role",
     "model.conf", "the Casbin model does not load"),
]


@pytest.mark.parametrize(("file", "old", "new", "where", "message"), MISTAKES,
                         ids=[m[4][:40] for m in MISTAKES])
def test_a_mistake_is_an_error_and_the_policy_is_rejected(
        policy_copy: Path, edit: Edit, file: str, old: str, new: str, where: str, message: str) -> None:
    edit(file, old, new)
    policy, problems = check_policy(policy_copy)
    assert policy is None
    errors = [str(p) for p in problems if p.severity == "error"]
    assert any(where in e and message in e for e in errors), errors
    with pytest.raises(PolicyInvalid) as caught:
        load_policy(policy_copy)
    assert caught.value.code == "POLICY_INVALID" and message in caught.value.message


def test_a_role_no_agency_may_hold_is_a_warning(policy_copy: Path, edit: Edit) -> None:
    edit("agreements/roles.csv", "victim-liaison,probation\n", "")
    policy, problems = check_policy(policy_copy)
    assert policy is not None
    assert any("role victim-liaison is not listed: no agency may hold it" in str(p) and p.severity == "warning"
               for p in problems), problems
    assert policy.agreements.roles.foreign("probation", ["victim-liaison", "probation-practitioner"]) == \
        ["victim-liaison"]


def test_the_roles_file_is_part_of_the_policy(policy_copy: Path, edit: Edit) -> None:
    before = load_policy(policy_copy)
    assert before.agreements.roles.agencies_of("victim-liaison") == {"probation"}
    edit("agreements/roles.csv", "victim-liaison,probation", "victim-liaison,probation police")
    after = load_policy(policy_copy)
    assert after.version != before.version and after.agreements.roles.agencies_of("victim-liaison") == \
        {"probation", "police"}
    (policy_copy / "agreements" / "roles.csv").unlink()
    policy, problems = check_policy(policy_copy)
    assert policy is None and any("roles.csv: error: cannot read" in str(p) for p in problems)


def test_a_rule_in_the_wrong_agreement_file(policy_copy: Path) -> None:
    with (policy_copy / "agreements" / "police-isa.csv").open("a") as f:
        f.write("victim-liaison,victim-contact,risk,allow,,,Police ISA,POL-ISA 9.9,\n")
    _, problems = check_policy(policy_copy)
    assert "group risk is governed by probation-isa.csv, not police-isa.csv" in str(problems[0])


def test_an_unknown_agreement_file_is_an_error(policy_copy: Path) -> None:
    (policy_copy / "agreements" / "council-isa.csv").write_text("role\n")
    policy, problems = check_policy(policy_copy)
    assert policy is None and "unknown agreement owner 'council'" in str(problems[0])


def test_a_group_no_rule_covers_is_reported_and_denied(policy_copy: Path, edit: Edit) -> None:
    edit("agreements/police-isa.csv", PROBATION_ARRESTS + "\n", "")
    policy, problems = check_policy(policy_copy)
    assert policy is not None
    warnings = [str(p) for p in problems if p.severity == "warning"]
    assert any("no rule covers probation-practitioner under daily-intel for group arrests: denied "
               "(PoliceRecord.arrests)" in w for w in warnings), warnings
    d = policy.plan(("probation-practitioner",), "daily-intel").field("PoliceRecord.arrests")
    assert (d.effect, d.visible, d.clause) == ("deny", False, "no rule")


def test_a_mask_revealing_nothing_is_a_warning(policy_copy: Path, edit: Edit) -> None:
    edit("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("rosh_only", "postcode_district"))
    policy, problems = check_policy(policy_copy)
    assert policy is not None
    assert any("mask postcode_district reveals no field of group risk" in str(p) for p in problems)
    assert not any(d.visible for d in policy.plan(("housing-officer",), "mappa").fields_of_type("ProbationRecord")
                   if d.group == "risk")


def test_an_exact_purpose_rule_overrides_a_star_rule(policy_copy: Path) -> None:
    with (policy_copy / "agreements" / "police-isa.csv").open("a") as f:
        f.write("probation-practitioner,iom,arrests,allow,,,Police ISA,POL-ISA 5.9,\n")
    policy, problems = check_policy(policy_copy)
    assert policy is not None, problems
    assert policy.plan(("probation-practitioner",), "iom").field("PoliceRecord.arrests").clause == "POL-ISA 5.9"
    daily = policy.plan(("probation-practitioner",), "daily-intel").field("PoliceRecord.arrests")
    assert (daily.clause, daily.condition) == ("POL-ISA 5.2", "caseload")


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.configure(parser)
    return cli.run(parser.parse_args(argv), Settings())


def test_cli_check_exit_codes(policy_copy: Path, edit: Edit, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["check", "--dir", str(policy_copy)]) == 0
    assert "ok, version" in capsys.readouterr().out
    edit("agreements/probation-isa.csv", HOUSING_ROSH, HOUSING_ROSH.replace("rosh_only", "rosh"))
    assert _run(["check", "--dir", str(policy_copy)]) == 1
    out = capsys.readouterr().out
    assert "probation-isa.csv:27: error: unknown mask 'rosh'" in out and "would be rejected" in out


def test_cli_explain(policy_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["explain", "--dir", str(policy_copy), "--field", "ProbationRecord.ogrsBand",
            "--role", "police-iom-officer", "--purpose", "iom"]
    assert _run(argv) == 0
    out = capsys.readouterr().out
    for expected in ("effect:       mask:band if caseload", "clause:       PROB-ISA 5.1", "agreement:    Probation ISA",
                     "legal basis:  Crime and Disorder Act 1998 s115", "condition:    caseload"):
        assert expected in out
    assert _run([*argv[:4], "Foo.bar", *argv[5:]]) == 1
    assert "unknown field 'Foo.bar'" in capsys.readouterr().err


def test_problem_text_names_file_and_line() -> None:
    assert str(Problem("police-isa.csv", 12, "boom")) == "police-isa.csv:12: error: boom"
    assert str(Problem("fields.csv", 0, "meh", "warning")) == "fields.csv: warning: meh"

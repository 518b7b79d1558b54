"""The README answers each of DOMAIN.md's nine questions with a query its stated caller may run."""

from __future__ import annotations

import re
from pathlib import Path

from policies.loader import PACKAGED, load_policy
from tests.http.use_cases import readme

QUESTIONS = range(1, 10)
TESTS = Path(__file__).resolve().parent


def test_every_question_has_its_query_and_a_test_that_runs_it() -> None:
    cases = readme.use_cases()
    assert {int(re.match(r"\d+", key)[0]) for key in cases} == set(QUESTIONS)  # type: ignore[index]
    tested = "".join(p.read_text() for p in TESTS.glob("test_*.py") if p.name != "test_readme.py")
    for key in cases:
        assert re.search(rf"readme\.ask\(governed, \"{key}\"", tested), f"no test runs use case {key}'s query"


def test_each_query_s_caller_may_state_its_purpose() -> None:
    policy = load_policy(PACKAGED)
    for case in readme.use_cases().values():
        assert policy.purpose_permitted((case.role,), case.purpose), (case.key, case.role, case.purpose)
        assert case.agency in policy.agreements.roles.held[case.role], (case.key, case.agency)
        if policy.justification_required(case.purpose):
            assert case.justification, f"use case {case.key}: {case.purpose} needs a justification"

"""Policy fixtures: the shipped policy, and a private copy of its files to break or change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policies.decisions import FieldDecision
from policies.loader import PACKAGED, load_policy
from policies.policy_set import PolicySet
from tests.policy_copies import copy_shipped


@pytest.fixture(scope="session")
def shipped() -> PolicySet:
    return load_policy(PACKAGED)


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    """A copy of the shipped policy files that a test may edit."""
    return copy_shipped(tmp_path)


Edit = Callable[[str, str, str], None]


@pytest.fixture
def edit(policy_copy: Path) -> Edit:
    """Replace ``old`` (which must occur exactly once) by ``new`` in one file of the copy."""

    def replace(relative: str, old: str, new: str) -> None:
        path = policy_copy / relative
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new))

    return replace


def summary(d: FieldDecision) -> str:
    """A decision in the matrix's own words: "A", "A if caseload", "M band", "M band hidden", "D agg"."""
    if d.effect == "deny":
        return "D agg" if d.aggregate else "D"
    out = "A" if d.effect == "allow" else f"M {d.mask}" + ("" if d.visible else " hidden")
    if d.transform:
        out += f" as {d.transform}"
    if d.condition:
        out += f" if {d.condition}"
    return out

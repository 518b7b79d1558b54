"""``hub policy diff OLD NEW``: exactly the cells a candidate version changes, with the people they reach."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub.core.settings import Settings
from policies.loader import PACKAGED
from tests.http.seeded import rows
from tests.policy_copies import copy_shipped

ROOT = Path(__file__).resolve().parents[2]
EDITS = {
    # a keyworker would see housing references (deny -> allow), under each purpose it may state
    ("housing-isa.csv", "treatment-keyworker,*,housing_reference,deny,,,Housing ISA,HOUS-ISA 3.4,"):
        "treatment-keyworker,*,housing_reference,allow,caseload,,Housing ISA,HOUS-ISA 3.4,",
    # victim liaison would no longer be told release dates (allow if victim_case -> deny)
    ("probation-isa.csv", "victim-liaison,victim-contact,release,allow,victim_case,,Probation ISA,PROB-ISA 6.5,"):
        "victim-liaison,victim-contact,release,deny,,,Probation ISA,PROB-ISA 6.5,",
    # the keyworker's address view: the same mask, for its caseload only (a condition change)
    ("housing-isa.csv", "treatment-keyworker,*,address,mask:postcode_district,relationship,,Housing ISA,HOUS-ISA 4.4,"):
        "treatment-keyworker,*,address,mask:postcode_district,caseload,,Housing ISA,HOUS-ISA 4.4,",
}


def candidate(tmp_path: Path) -> tuple[Path, Path]:
    old, new = copy_shipped(tmp_path / "old"), copy_shipped(tmp_path / "new")
    for (name, line), replacement in EDITS.items():
        path = next(new.rglob(name))
        text = path.read_text()
        assert line in text, f"{name} no longer has the rule this test edits: {line}"
        path.write_text(text.replace(line, replacement))
    return old, new


def run_diff(settings: Settings, old: Path, new: Path) -> list[dict[str, object]]:
    env = {"PATH": "/usr/bin:/bin", "HUB_DATA_DIR": str(settings.data_dir), "HUB_INDEX_DB": settings.index_url,
           **{f"HUB_{a.upper()}_DB": url for a, url in settings.agency_urls.items()}}
    done = subprocess.run([sys.executable, "-m", "hub.cli", "policy", "diff", str(old), str(new), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


async def test_the_diff_lists_exactly_the_changed_cells_with_the_people_they_reach(
        settings: Settings, tmp_path: Path) -> None:
    changes = run_diff(settings, *candidate(tmp_path))
    got = {(c["role"], c["purpose"], c["group"]): (c["kind"], c["before"], c["after"], c["people"]) for c in changes}
    housed = len(await rows(settings, "housing", "SELECT housing_ref FROM housing_client"))
    supervised = len(await rows(settings, "probation", "SELECT crn FROM offender"))
    assert got == {
        ("treatment-keyworker", "continuity-of-care", "housing_reference"):
            ("newly allowed", "deny", "allow if caseload", housed),
        ("treatment-keyworker", "safeguarding", "housing_reference"):
            ("newly allowed", "deny", "allow if caseload", housed),
        ("victim-liaison", "victim-contact", "release"): ("newly denied", "allow if victim_case", "deny", supervised),
        ("treatment-keyworker", "continuity-of-care", "address"):
            ("condition changed", "mask:postcode_district if relationship", "mask:postcode_district if caseload",
             housed),
        ("treatment-keyworker", "safeguarding", "address"):
            ("condition changed", "mask:postcode_district if relationship", "mask:postcode_district if caseload",
             housed),
    }
    assert all(c["clause_after"] for c in changes)


def test_the_same_version_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    assert run_diff(settings, PACKAGED, copy_shipped(tmp_path / "same")) == []


def test_from_deny_to_a_mask_is_newly_allowed_and_the_reverse_newly_denied(tmp_path: Path) -> None:
    from policies.diff import diff
    from policies.loader import load_policy

    old, new = copy_shipped(tmp_path / "old"), copy_shipped(tmp_path / "new")
    rule = "treatment-keyworker,*,housing_reference,deny,,,Housing ISA,HOUS-ISA 3.4,"
    path = next(new.rglob("housing-isa.csv"))
    path.write_text(path.read_text().replace(rule, rule.replace(",deny,", ",mask:postcode_district,")))
    opened = {(c.group, c.kind) for c in diff(load_policy(old), load_policy(new))}
    closed = {(c.group, c.kind) for c in diff(load_policy(new), load_policy(old))}
    assert opened == {("housing_reference", "newly allowed")} and closed == {("housing_reference", "newly denied")}

"""The benchmark-only agreement: governance at equal work.

The packaged agreements withhold fields from every real caller (the IOM officer sees risk banded and
licence conditions only for their caseload), so the governed hub loads and returns less than the hub
with governance off, and a comparison of the two measures different work. This writes a copy of the
packaged policy into a directory the benchmark owns, adding rows that release every catalogued
field group to one existing role under one existing purpose, unmasked and unconditionally. The
vocabulary of roles and purposes is closed (policies/vocabulary.py), so the pair is a real one that
no benchmark scenario uses as its realistic caller; a rule naming an exact purpose overrides the
role's ``*`` rules.

Nothing here is packaged as policy data: the rows exist only in the directory passed in, which the
benchmark points ``HUB_POLICY_DIR`` / ``Settings.policy_dir`` at for its own run.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from policies.catalogue import Catalogue
from policies.decisions import FieldDecision
from policies.loader import PACKAGED, load_policy, policy_files
from policies.policy_set import PolicySet

#: The equal-work caller's role and purpose (no scenario's realistic caller uses this pair).
ROLE = "probation-practitioner"
PURPOSE = "mappa"
AGREEMENT = "Benchmark equal-work agreement (never shipped)"


def _home(catalogue: Catalogue, group: str) -> str:
    """The agreement file that governs ``group``, as policies/validate.py decides it."""
    owners = catalogue.owners_of(group)
    return next(iter(owners)) if len(owners) == 1 and owners != {"all"} else "partnership"


def _rows_without_pair(text: str) -> str:
    """``text`` minus any rule already naming the bench's exact role and purpose (replaced below)."""
    kept = []
    for line in text.splitlines(keepends=True):
        fields = next(csv.reader([line]), [])
        if len(fields) >= 2 and fields[0] == ROLE and fields[1] == PURPOSE:
            continue
        kept.append(line)
    out = "".join(kept)
    return out if out.endswith("\n") else out + "\n"


def write_equal_work_policy(directory: Path) -> PolicySet:
    """Write the packaged policy plus the equal-work rows under ``directory``; return it loaded.

    Loading it runs the same validation as the hub's (an invalid copy raises PolicyInvalid), and the
    result is checked to release every catalogued field to the pair, so a change to the packaged
    agreements cannot silently turn the equal-work comparison back into an unequal one.
    """
    packaged = load_policy(PACKAGED)
    for source in policy_files(PACKAGED):
        target = directory / source.relative_to(PACKAGED)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    by_file: dict[str, list[str]] = {}
    for group in sorted(packaged.catalogue.groups()):
        by_file.setdefault(_home(packaged.catalogue, group), []).append(group)
    for owner, groups in by_file.items():
        path = directory / "agreements" / f"{owner}-isa.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for n, group in enumerate(groups, start=1):
            writer.writerow([ROLE, PURPOSE, group, "allow", "", "", AGREEMENT, f"BENCH {owner} {n}", ""])
        path.write_text(_rows_without_pair(path.read_text()) + buffer.getvalue())
    policy = load_policy(directory)
    plan = policy.plan((ROLE,), PURPOSE)
    held_back = [key for key in policy.catalogue.fields if not released_plainly(plan.field(key))]
    if held_back:
        raise RuntimeError(f"the equal-work agreement still withholds or conditions {held_back}")
    return policy


def released_plainly(decision: FieldDecision) -> bool:
    """Allowed, unmasked and unconditional: the caller receives the field exactly as stored."""
    return decision.effect == "allow" and decision.mask is None and decision.condition is None

"""The agreements as information governance reads them: the live matrix, and what a candidate would change.

The matrix is the policy version in force, one row per role, purpose it may state and field group; the
impact of a candidate is ``hub policy diff``'s cells (policies/diff.py) with the number of people whose
records hold each group today (everyone the person index links for shared identity).
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.diff import CellChange
from policies.policy_set import PolicySet


@dataclass(frozen=True)
class Cell:
    role: str
    purpose: str
    group: str
    owner: str
    effect: str
    condition: str
    clause: str
    agreement: str
    legal_basis: str


def matrix(policy: PolicySet, role: str | None = None) -> list[Cell]:
    """Every cell of the version in force (or of one role), in role, purpose, group order."""
    owners = {e.group: e.owner for e in policy.catalogue.fields.values()}
    pairs = sorted({(r, purpose) for purpose, entry in policy.agreements.purposes.items() for r in entry.roles
                    if role is None or r == role})
    cells = []
    for r, purpose in pairs:
        for group in sorted(owners):
            d = policy.group_decision(r, purpose, group)
            if d is None:
                cells.append(Cell(r, purpose, group, owners[group], "deny (no rule)", "", "", "",
                                  policy.legal_basis(purpose) or ""))
                continue
            rule = d.rule
            shown = f"mask:{rule.mask}" if rule.effect == "mask" else rule.effect
            cells.append(Cell(r, purpose, group, owners[group], shown + (" (aggregate)" if rule.aggregate else ""),
                              rule.condition or "", rule.clause, rule.agreement, d.legal_basis))
    return cells


def roles_of(policy: PolicySet) -> list[str]:
    return sorted({r for entry in policy.agreements.purposes.values() for r in entry.roles})


def counts_by_kind(changes: list[CellChange]) -> dict[str, int]:
    found: dict[str, int] = {}
    for c in changes:
        found[c.kind] = found.get(c.kind, 0) + 1
    return found


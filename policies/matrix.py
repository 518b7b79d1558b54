"""The agreements as a table: one cell per role, purpose it may state and field group, as in force."""

from __future__ import annotations

from dataclasses import dataclass

from policies.policy_set import PolicySet


@dataclass(frozen=True)
class Cell:
    role: str
    purpose: str
    group: str
    #: the agency whose records the group's fields are (``all``: shared identity)
    owner: str
    effect: str  # allow | mask:<mask> | deny, "(aggregate)" where usable in aggregate only; no rule: deny
    condition: str
    clause: str
    agreement: str
    legal_basis: str


def roles_of(policy: PolicySet) -> list[str]:
    return sorted({r for entry in policy.agreements.purposes.values() for r in entry.roles})


def matrix(policy: PolicySet, role: str | None = None) -> list[Cell]:
    """Every cell of ``policy`` (or of one role), in role, purpose, group order."""
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

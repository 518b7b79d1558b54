"""What a candidate version of the agreements would change, cell by cell, before it applies.

A cell is a role under a purpose it may state, for one field group. Between the live and a candidate
version each cell either keeps its rule's effect or changes it: newly allowed (more is shown: from deny
or a mask to allow, or from deny to a mask), newly masked (from allow to a mask), newly denied, or the
same effect under another condition or mask; a change of clause or legal basis alone is a change of
wording. A role newly permitted (or no longer permitted) a purpose changes every group's cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.planner import GroupDecision
from policies.policy_set import PolicySet

#: How much of a group's values a caller sees under each effect.
_OPENNESS = {"deny": 0, "mask": 1, "allow": 2}


@dataclass(frozen=True, slots=True)
class CellChange:
    role: str
    purpose: str
    group: str
    #: the agency whose records the group's fields are ("all": shared identity)
    owner: str
    kind: str  # newly allowed | newly masked | newly denied | condition changed | wording changed
    before: str
    after: str
    clause_before: str
    clause_after: str


def effect(decision: GroupDecision | None) -> str:
    """A cell's effect in a few words ("mask:postcode_district if relationship"); no rule is a deny."""
    if decision is None:
        return "deny (no rule)"
    r = decision.rule
    text = f"mask:{r.mask}" if r.effect == "mask" else r.effect
    return text + (f" if {r.condition}" if r.condition else "") + (" (aggregate)" if r.aggregate else "")


def _kind(old: GroupDecision | None, new: GroupDecision | None) -> str | None:
    before = _OPENNESS[old.rule.effect] if old else 0
    after = _OPENNESS[new.rule.effect] if new else 0
    if after > before:
        return "newly allowed"  # more is shown: to allow, or from deny to a mask
    if after < before:
        return "newly denied" if after == 0 else "newly masked"
    if effect(old) != effect(new):
        return "condition changed"
    if old is not None and new is not None and (old.rule.clause, old.legal_basis, old.rule.agreement) != (
            new.rule.clause, new.legal_basis, new.rule.agreement):
        return "wording changed"
    return None


def diff(live: PolicySet, candidate: PolicySet) -> list[CellChange]:
    owners = {e.group: e.owner for e in (*live.catalogue.fields.values(), *candidate.catalogue.fields.values())}
    cells = sorted({(role, purpose) for policy in (live, candidate)
                    for purpose, entry in policy.agreements.purposes.items() for role in entry.roles})
    changes = []
    for role, purpose in cells:
        for group in sorted(owners):
            old = live.group_decision(role, purpose, group) if live.purpose_permitted((role,), purpose) else None
            new = (candidate.group_decision(role, purpose, group)
                   if candidate.purpose_permitted((role,), purpose) else None)
            kind = _kind(old, new)
            if kind is not None:
                changes.append(CellChange(role, purpose, group, owners[group], kind, effect(old), effect(new),
                                          old.rule.clause if old else "", new.rule.clause if new else ""))
    return changes

"""Planning: ask Casbin once per role x purpose x group at load, never per request.

pycasbin evaluates its matcher against every policy line on each ``enforce()`` (milliseconds
with hundreds of lines), so every decision a request can need is computed here, when a policy
version loads, and requests look them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import casbin

from policies.agreements import Agreements, Rule
from policies.catalogue import Catalogue, FieldEntry
from policies.decisions import NO_RULE, FieldDecision, denied
from policies.vocabulary import ANY_PURPOSE, GROUPS, Effect


@dataclass(frozen=True, slots=True)
class GroupDecision:
    """The rule Casbin chose for one role, purpose and group (None in the table: no rule)."""

    rule: Rule
    legal_basis: str  # the rule's, else the purpose's


def build_enforcer(model_path: Path, rules: tuple[Rule, ...]) -> casbin.Enforcer:
    """An enforcer over the model and the rules, exact-purpose rules before ``*`` rules."""
    model = casbin.model.Model()
    model.load_model(str(model_path))
    enforcer = casbin.Enforcer(model)
    ordered = sorted(rules, key=lambda r: r.purpose == ANY_PURPOSE)
    if ordered and not enforcer.add_policies([r.casbin_line() for r in ordered]):
        raise ValueError("Casbin refused the rules (duplicate lines)")
    return enforcer


def plan_groups(enforcer: casbin.Enforcer, agreements: Agreements
                ) -> dict[tuple[str, str, str], GroupDecision | None]:
    """(role, purpose, group) -> the deciding rule, for every role under every permitted purpose."""
    by_line = {tuple(r.casbin_line()): r for r in agreements.rules}
    table: dict[tuple[str, str, str], GroupDecision | None] = {}
    for entry in agreements.purposes.values():
        for role in sorted(entry.roles):
            for group in GROUPS:
                matched, line = enforcer.enforce_ex(role, entry.purpose, group)
                rule = by_line.get(tuple(line)) if matched else None
                table[(role, entry.purpose, group)] = (
                    None if rule is None else GroupDecision(rule, rule.legal_basis or entry.legal_basis))
    return table


def field_decision(entry: FieldEntry, group: GroupDecision | None) -> FieldDecision:
    """What a group decision means for one field: a mask reveals only the fields listing it."""
    owner = "identity" if entry.owner == "all" else entry.owner
    if group is None:
        return denied(entry.key, entry.group, NO_RULE, owner)
    rule = group.rule
    effect: Effect = "allow" if rule.effect == "allow" else "mask" if rule.effect == "mask" else "deny"
    if effect == "allow":
        visible, transform = True, None
    elif effect == "mask":
        visible = rule.mask in entry.masks
        transform = entry.masks.get(rule.mask) if rule.mask is not None else None
    else:
        visible, transform = False, None
    return FieldDecision(entry.key, entry.group, effect, rule.mask, visible, transform, rule.condition,
                         rule.aggregate, rule.agreement, rule.clause, group.legal_basis, rule.role, owner)


def plan_fields(catalogue: Catalogue, groups: Mapping[tuple[str, str, str], GroupDecision | None],
                role: str, purpose: str) -> dict[str, FieldDecision]:
    return {key: field_decision(entry, groups.get((role, purpose, entry.group)))
            for key, entry in catalogue.fields.items()}

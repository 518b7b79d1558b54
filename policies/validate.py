"""Checks across files: rules against the catalogue, against each other, and coverage.

Errors stop a policy from loading; warnings (a group no rule covers, a mask that reveals
nothing) describe a policy that loads but denies more than its author may think.
"""

from __future__ import annotations

from policies.agreements import Agreements, Rule
from policies.catalogue import Catalogue
from policies.sources import Problem
from policies.vocabulary import ANY_PURPOSE, GROUPS


def cross_check(catalogue: Catalogue, agreements: Agreements) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], Rule] = {}
    for rule in agreements.rules:
        file, line = rule.source.rsplit(":", 1)
        at = int(line)
        owner = file.removesuffix("-isa.csv")
        owners = catalogue.owners_of(rule.group)
        home = next(iter(owners)) if len(owners) == 1 and owners != {"all"} else "partnership"
        if owners and owner != home:
            problems.append(Problem(file, at, f"group {rule.group} is governed by {home}-isa.csv, not {file}"))
        key = (rule.role, rule.purpose, rule.group)
        first = seen.get(key)
        if first is None:
            seen[key] = rule
        elif (first.effect, first.mask, first.condition, first.aggregate) == (
                rule.effect, rule.mask, rule.condition, rule.aggregate):
            problems.append(Problem(file, at, f"duplicate rule for {_who(rule)} (also at {first.source})"))
        else:
            problems.append(Problem(file, at, f"conflicting rules for {_who(rule)}: {_says(rule)} here, "
                                              f"{_says(first)} at {first.source}"))
        if rule.mask is not None and owners and not any(
                rule.mask in f.masks for f in catalogue.in_group(rule.group)):
            problems.append(Problem(file, at, f"mask {rule.mask} reveals no field of group {rule.group}: "
                                              "the rule denies the whole group", "warning"))
    permitted = {(role, p.purpose) for p in agreements.purposes.values() for role in p.roles}
    roles_with_purpose = {role for role, _ in permitted}
    for rule in agreements.rules:
        if rule.purpose == ANY_PURPOSE and rule.role not in roles_with_purpose:
            file, line = rule.source.rsplit(":", 1)
            problems.append(Problem(file, int(line), f"role {rule.role} is permitted no purpose: the rule "
                                                     "never applies", "warning"))
    catalogued = catalogue.groups()
    for group in GROUPS:
        if group not in catalogued:
            problems.append(Problem("fields.csv", 0, f"group {group} has no catalogued fields", "warning"))
    for role, purpose in sorted(permitted):
        for group in GROUPS:
            if group in catalogued and (role, purpose, group) not in seen and (role, ANY_PURPOSE, group) not in seen:
                fields = ", ".join(f.key for f in catalogue.in_group(group))
                problems.append(Problem("agreements", 0, f"no rule covers {role} under {purpose} for group "
                                                         f"{group}: denied ({fields})", "warning"))
    return problems


def _who(rule: Rule) -> str:
    return f"{rule.role} / {rule.purpose} / {rule.group}"


def _says(rule: Rule) -> str:
    effect = f"mask:{rule.mask}" if rule.mask else rule.effect
    return effect + (f" if {rule.condition}" if rule.condition else "") + (" (aggregate)" if rule.aggregate else "")

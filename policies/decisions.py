"""Planned decisions: what one caller may see of each governed field, looked up per field.

An ``AccessPlan`` is built once per request (from decisions planned once per policy
version), so checking a field is one dict lookup and only the per-person condition remains
to be checked against the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from policies.vocabulary import Effect

NO_RULE = "no rule"
NOT_CATALOGUED = "not in the field catalogue"


@dataclass(frozen=True, slots=True)
class FieldDecision:
    field_key: str
    group: str  # "" for a field not in the catalogue
    effect: Effect
    mask: str | None
    #: whether the field is revealed at all under this effect (a mask reveals only some fields)
    visible: bool
    #: applied to the value before it is shown (e.g. "initials"); None: shown as is
    transform: str | None
    condition: str | None
    aggregate: bool
    agreement: str
    clause: str
    legal_basis: str
    role: str  # the role whose rule this is ("" when none)
    #: whose record the field discloses: an agency, ``identity`` (the hub's linked identity, owner ``all`` in
    #: the catalogue) or ``hub`` (not catalogued)
    owner: str = "hub"

    def rank(self) -> tuple[int, int, int, int]:
        """Higher is more permissive: revealed, then unconditional, then unmasked, then untransformed."""
        conditions = 0 if self.condition is None else 1 + self.condition.count("+")
        return (int(self.visible), -conditions, int(self.effect == "allow"), int(self.transform is None))


def denied(field_key: str, group: str, reason: str, owner: str = "hub") -> FieldDecision:
    """Fail closed: the decision for a field no rule (or no catalogue entry) covers."""
    return FieldDecision(field_key, group, "deny", None, False, None, None, False, reason, reason, "", "", owner)


def combine(choices: Iterable[FieldDecision]) -> FieldDecision | None:
    """Several roles' decisions for one field: the most permissive wins, with its own condition.

    Ties keep the first (roles are visited in a fixed order), so the answer is deterministic.
    """
    best: FieldDecision | None = None
    for d in choices:
        if best is None or d.rank() > best.rank():
            best = d
    return best


@dataclass(frozen=True)
class AccessPlan:
    roles: tuple[str, ...]
    purpose: str
    policy_version: str
    decisions: Mapping[str, FieldDecision]
    by_type: Mapping[str, tuple[FieldDecision, ...]]

    def field(self, field_key: str) -> FieldDecision:
        d = self.decisions.get(field_key)
        if d is None:
            return denied(field_key, "", NOT_CATALOGUED)
        return d

    def fields_of_type(self, type_name: str) -> tuple[FieldDecision, ...]:
        return self.by_type.get(type_name, ())


def make_plan(roles: tuple[str, ...], purpose: str, version: str,
              decisions: Mapping[str, FieldDecision]) -> AccessPlan:
    by_type: dict[str, list[FieldDecision]] = {}
    for key, d in decisions.items():
        by_type.setdefault(key.split(".", 1)[0], []).append(d)
    return AccessPlan(roles, purpose, version, MappingProxyType(dict(decisions)),
                      MappingProxyType({t: tuple(ds) for t, ds in by_type.items()}))

"""One loaded, validated policy version and the questions the request pipeline asks of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from threading import Lock
from types import MappingProxyType

from hub.core.errors import PurposeNotPermitted
from policies.agreements import Agreements
from policies.catalogue import Catalogue
from policies.decisions import AccessPlan, FieldDecision, combine, make_plan
from policies.planner import GroupDecision, plan_fields
from policies.vocabulary import ROLES

#: Distinct multi-role combinations cached per version; beyond this they are planned per request.
MAX_CACHED_PLANS = 256


class PolicySet:
    """Immutable once built: the decisions for every role under every permitted purpose.

    Multi-role callers: for each field, among the caller's roles permitted the purpose, the most
    permissive decision wins (revealed over withheld, unconditional over conditional, allow
    over mask, untransformed over transformed), and that decision's own condition applies.
    """

    def __init__(self, version: str, directory: Path, catalogue: Catalogue, agreements: Agreements,
                 groups: Mapping[tuple[str, str, str], GroupDecision | None]) -> None:
        self.version = version
        self.directory = directory
        self.catalogue = catalogue
        self.agreements = agreements
        self.groups = MappingProxyType(dict(groups))
        self._single: dict[tuple[str, str], Mapping[str, FieldDecision]] = {
            (role, purpose): MappingProxyType(plan_fields(catalogue, groups, role, purpose))
            for (role, purpose) in {(role, purpose) for (role, purpose, _) in groups}
        }
        self._plans: dict[tuple[tuple[str, ...], str], AccessPlan] = {}
        self._lock = Lock()

    def purpose_permitted(self, roles: tuple[str, ...], purpose: str) -> bool:
        entry = self.agreements.purposes.get(purpose)
        return entry is not None and any(role in entry.roles for role in roles)

    def permitted_purposes(self, roles: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in self.agreements.purposes if self.purpose_permitted(roles, p))

    def justification_required(self, purpose: str) -> bool:
        entry = self.agreements.purposes.get(purpose)
        return entry is None or entry.justification_required  # an unknown purpose is refused anyway

    def legal_basis(self, purpose: str) -> str | None:
        entry = self.agreements.purposes.get(purpose)
        return None if entry is None else entry.legal_basis

    def group_decision(self, role: str, purpose: str, group: str) -> GroupDecision | None:
        return self.groups.get((role, purpose, group))

    def plan(self, roles: tuple[str, ...], purpose: str) -> AccessPlan:
        """The caller's decisions for every catalogued field; PurposeNotPermitted if none of its roles may."""
        permitted = tuple(sorted({r for r in roles if (r, purpose) in self._single}, key=ROLES.index))
        if not permitted:
            raise PurposeNotPermitted(f"purpose {purpose!r} is not permitted for roles {', '.join(roles)}",
                                      purpose=purpose)
        key = (permitted, purpose)
        cached = self._plans.get(key)
        if cached is not None:
            return cached
        tables = [self._single[(r, purpose)] for r in permitted]
        decisions = {field: combine(t[field] for t in tables) for field in tables[0]}
        plan = make_plan(permitted, purpose, self.version,
                         {k: d for k, d in decisions.items() if d is not None})
        with self._lock:
            if len(self._plans) < MAX_CACHED_PLANS:
                self._plans[key] = plan
        return plan

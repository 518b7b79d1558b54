"""What a caller may see and why: the policy in force, read for ``myAccess`` and ``explainAccess``."""

from __future__ import annotations

from collections.abc import Callable

from hub.core.errors import BadUserInput, Forbidden
from policies.explain import Explanation, MyAccess, explain, my_access
from policies.matrix import Cell, matrix
from policies.policy_set import PolicySet
from policies.vocabulary import PURPOSES, ROLES

#: Only information governance may ask how the agreements treat another role.
EXPLAINERS = frozenset({"ig-officer"})


class AccessService:
    def __init__(self, policy: Callable[[], PolicySet]) -> None:
        self._policy = policy

    @property
    def version(self) -> str:
        return self._policy().version

    def mine(self, roles: tuple[str, ...], purpose: str) -> MyAccess:
        return my_access(self._policy(), roles, purpose)

    def matrix(self, caller_roles: tuple[str, ...], role: str | None) -> list[Cell]:
        """The agreements in force, role x purpose x field group (one role, or all), for information governance."""
        if not EXPLAINERS & set(caller_roles):
            raise Forbidden("agreementMatrix is for information governance (role ig-officer)")
        return matrix(self._policy(), role)

    def explain(self, caller_roles: tuple[str, ...], field_key: str, role: str, purpose: str) -> Explanation:
        if not EXPLAINERS & set(caller_roles):
            raise Forbidden("explainAccess is for information governance (role ig-officer)")
        policy = self._policy()
        if field_key not in policy.catalogue.fields:
            raise BadUserInput("unknown field: use Type.field as in myAccess, e.g. Person.name", argument="field")
        if role not in ROLES:
            raise BadUserInput(f"unknown role; one of {', '.join(ROLES)}", argument="role")
        if purpose not in PURPOSES:
            raise BadUserInput(f"unknown purpose; one of {', '.join(PURPOSES)}", argument="purpose")
        return explain(policy, field_key, role, purpose)

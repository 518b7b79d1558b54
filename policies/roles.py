"""roles.csv: which agencies may hold each role.

A role's rules are written for one agency's relationships: a probation practitioner's "caseload"
is the offender manager's cases in probation's records, an IOM officer's the police IOM nominals.
A token naming agency ``police`` and role ``probation-practitioner`` would have probation's rules
judged against a police officer's caseload, so the hub refuses it (hub/web/auth/authenticator.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from policies.sources import Problem, read_rows
from policies.vocabulary import AGENCIES, ROLE_COLUMNS, ROLES


@dataclass(frozen=True)
class RoleAgencies:
    held: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    def agencies_of(self, role: str) -> frozenset[str]:
        return self.held.get(role, frozenset())

    def foreign(self, agency: str, roles: Iterable[str]) -> list[str]:
        """The roles ``agency`` may not hold, in the order given (empty: every role fits)."""
        return [role for role in roles if agency not in self.agencies_of(role)]


def load_roles(path: Path, problems: list[Problem]) -> RoleAgencies:
    held: dict[str, frozenset[str]] = {}
    for row in read_rows(path, ROLE_COLUMNS, problems):
        role, agencies = row.values["role"], row.values["agencies"].split()
        found = []
        if role not in ROLES:
            found.append(f"unknown role {role!r}")
        elif role in held:
            found.append(f"role {role} is listed twice")
        if not agencies:
            found.append(f"role {role} names no agency")
        found += [f"unknown agency {a!r} for role {role} (expected one of {', '.join(AGENCIES)})"
                  for a in agencies if a not in AGENCIES]
        problems += [row.problem(message) for message in found]
        if not found:
            held[role] = frozenset(agencies)
    if held:
        problems += [Problem(path.name, 0, f"role {role} is not listed: no agency may hold it, so every token "
                                           "naming it is refused", "warning") for role in ROLES if role not in held]
    return RoleAgencies(MappingProxyType(held))

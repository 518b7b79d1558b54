"""The policy's closed sets as GraphQL enums: roles, purposes, agencies (from the agreement files, read when
the schema is built, so they cannot drift) and an audit record's outcome.

A GraphQL enum name is the value in upper snake case: role ``probation-practitioner`` is
``PROBATION_PRACTITIONER``, purpose ``daily-intel`` ``DAILY_INTEL``; tokens, the ``X-Purpose-Of-Use``
header and the audit trail keep the values as written.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, TypeAlias, get_args

import strawberry

from hub.core.errors import Outcome
from policies.vocabulary import AGENCIES, PURPOSES, ROLES


def enum_name(value: str) -> str:
    """``probation-practitioner`` -> ``PROBATION_PRACTITIONER``."""
    return value.upper().replace("-", "_").replace(" ", "_")


def _closed_set(name: str, values: tuple[str, ...], description: str) -> type[Enum]:
    made = Enum(name, {enum_name(v): v for v in sorted(values)})  # type: ignore[misc]
    return strawberry.enum(made, description=description)


if TYPE_CHECKING:  # built from the policy files at import: to a type checker, any enum
    Role: TypeAlias = Enum
    Purpose: TypeAlias = Enum
    Agency: TypeAlias = Enum
    AuditOutcome: TypeAlias = Enum
else:
    Role = _closed_set("Role", ROLES, "A role a token may carry (policies/agreements/roles.csv)")
    Purpose = _closed_set("Purpose", PURPOSES, "A purpose of use a caller may state in X-Purpose-Of-Use "
                                               "(policies/agreements/purposes.csv)")
    Agency = _closed_set("Agency", AGENCIES, "An agency that issues tokens (policies/agreements/roles.csv)")
    AuditOutcome = _closed_set("AuditOutcome", get_args(Outcome),
                               "What became of a request, as its audit record says")

#: What each value means, for the schema's descriptions.
OUTCOMES = {
    "ok": "Answered in full",
    "partial": "Answered, with some fields withheld",
    "refused": "Refused: 403, or a policy or limit refusal inside GraphQL",
    "unauthenticated": "No or no valid bearer token (401)",
    "malformed": "A request that could not run as sent (bad JSON, an invalid document, bad input)",
    "error": "The hub failed",
}

"""The names the agreement files may use. Anything else in a file is a lint error.

Roles, purposes, agencies and field groups are declared by the packaged policy files themselves
(roles.csv, purposes.csv, fields.csv), so an agency joining the partnership brings its own in its
agreement rows; masks name what a masked field still reveals; conditions are the hub's own code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from policies.masks import REGISTRY
from policies.sources import Problem, read_rows


def _declared(file: str, columns: tuple[str, ...], column: str) -> tuple[str, ...]:
    """The values (space-separated words) of ``column`` in a packaged policy file, in order, once each."""
    problems: list[Problem] = []
    words = [w for row in read_rows(PACKAGED / file, columns, problems) for w in row.values[column].split()]
    if problems:  # the packaged files are part of the release: unreadable ones are a bug in it
        raise RuntimeError("; ".join(map(str, problems)))
    return tuple(dict.fromkeys(words))


PACKAGED: Final = Path(__file__).resolve().parent
ROLES_FILE: Final = "roles.csv"
ROLE_COLUMNS: Final = ("role", "agencies")
PURPOSES_FILE: Final = "purposes.csv"
PURPOSE_COLUMNS: Final = ("purpose", "roles", "justification", "legal_basis")
FIELDS_FILE: Final = "fields.csv"
FIELD_COLUMNS: Final = ("field", "group", "owner", "masks")

#: Roles are those roles.csv lists; purposes those purposes.csv lists; groups those the field catalogue
#: (fields.csv) assigns. A new agency's role, purpose or field group is declared in those files, not here.
ROLES: Final = _declared(f"agreements/{ROLES_FILE}", ROLE_COLUMNS, "role")
PURPOSES: Final = _declared(f"agreements/{PURPOSES_FILE}", PURPOSE_COLUMNS, "purpose")
GROUPS: Final = _declared(FIELDS_FILE, FIELD_COLUMNS, "group")

MASKS: Final = ("dob_year", "name_only", "initials", "band", "rosh_only", "postcode_district", "summary",
                "exclusion_zones")

#: Transforms a catalogue entry may name after a mask (``mask:transform``); see policies.masks.
TRANSFORMS: Final = tuple(REGISTRY)

#: Row conditions: own caseload or cohort; recorded consent; the caller's own victims' cases; a legitimate
#: relationship (own caseload, or an open referral to the caller's service: hub.services.relationships).
CONDITIONS: Final = ("caseload", "consent", "victim_case", "caseload+consent", "relationship")

#: The agencies a token may name (its ``agency`` claim): those roles.csv lets hold a role. Each but
#: "partnership" (the shared identity rows, the analysts) is a registered agency (tests/test_registry.py).
AGENCIES: Final = _declared(f"agreements/{ROLES_FILE}", ROLE_COLUMNS, "agencies")

#: Who owns each agreement file: ``<owner>-isa.csv``.
AGREEMENT_OWNERS: Final = AGENCIES

#: A rule's purpose may be ``*``: every purpose the role is permitted (purposes.csv).
ANY_PURPOSE: Final = "*"

Effect = Literal["allow", "mask", "deny"]
Condition = Literal["caseload", "consent", "victim_case", "caseload+consent", "relationship"]

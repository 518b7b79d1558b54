"""The names the agreement files may use. Anything else in a file is a lint error.

Roles and purposes come from the partnership's agreements (DOMAIN.md); groups are the field
groups the catalogue (fields.csv) assigns; masks name what a masked field still reveals.
"""

from __future__ import annotations

from typing import Final, Literal

from policies.masks import REGISTRY

ROLES: Final = (
    "police-iom-officer",
    "probation-practitioner",
    "housing-officer",
    "treatment-keyworker",
    "victim-liaison",
    "partnership-analyst",
    "ig-officer",
)

PURPOSES: Final = (
    "iom",
    "mappa",
    "daily-intel",
    "safeguarding",
    "housing-referral",
    "continuity-of-care",
    "victim-contact",
    "partnership-analytics",
    "audit",
)

GROUPS: Final = (
    "identity",
    "identifiers",
    "nhs_number",
    "housing_reference",
    "iom",
    "warning_markers",
    "arrests",
    "intelligence",
    "supervision",
    "licence",
    "risk",
    "release",
    "sentence",
    "referrals",
    "address",
    "accommodation",
    "engagement",
    "treatment_detail",
    "ost",
)

MASKS: Final = ("dob_year", "name_only", "initials", "band", "rosh_only", "postcode_district", "summary",
                "exclusion_zones")

#: Transforms a catalogue entry may name after a mask (``mask:transform``); see policies.masks.
TRANSFORMS: Final = tuple(REGISTRY)

#: Row conditions: own caseload or cohort; recorded consent; the caller's own victims' cases; a legitimate
#: relationship (own caseload, or an open referral to the caller's service: hub.services.relationships).
CONDITIONS: Final = ("caseload", "consent", "victim_case", "caseload+consent", "relationship")

#: The agencies a token may name (its ``agency`` claim); roles.csv says which roles each may hold.
AGENCIES: Final = ("police", "probation", "housing", "treatment", "partnership")

#: Who owns each agreement file: ``<owner>-isa.csv``. "partnership" holds the shared identity rows.
AGREEMENT_OWNERS: Final = ("partnership", "police", "probation", "housing", "treatment")

#: A rule's purpose may be ``*``: every purpose the role is permitted (purposes.csv).
ANY_PURPOSE: Final = "*"

Effect = Literal["allow", "mask", "deny"]
Condition = Literal["caseload", "consent", "victim_case", "caseload+consent", "relationship"]

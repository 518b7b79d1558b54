"""The partnership's offence groups and which group each recorded offence belongs to.

Probation (a sentence's ``offence``) and police (an arrest's ``offence``) record an offence by its
description; the partnership scopes cohorts by group. One mapping for both, below the agencies, since
agencies do not import each other. An offence not listed here is OTHER.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from types import MappingProxyType
from typing import Final


class OffenceType(Enum):
    """The partnership's offence groups (IOM scoping: "a robbery or burglary offence")."""

    ROBBERY = "robbery"
    BURGLARY = "burglary"
    VIOLENCE = "violence"
    DOMESTIC_ABUSE = "domestic_abuse"
    DRUGS = "drugs"
    THEFT = "theft"
    SEXUAL = "sexual"
    OTHER = "other"


#: offence description, as probation and police record it -> its group
OFFENCE_GROUPS: Final = MappingProxyType({
    "Robbery": OffenceType.ROBBERY,
    "Burglary (dwelling)": OffenceType.BURGLARY,
    "Theft from shop": OffenceType.THEFT,
    "Theft of motor vehicle": OffenceType.THEFT,
    "Assault occasioning actual bodily harm": OffenceType.VIOLENCE,
    "Possession of a bladed article": OffenceType.VIOLENCE,
    "Common assault (domestic)": OffenceType.DOMESTIC_ABUSE,
    "Controlling or coercive behaviour": OffenceType.DOMESTIC_ABUSE,
    "Breach of restraining order": OffenceType.DOMESTIC_ABUSE,
    "Possession with intent to supply class A": OffenceType.DRUGS,
    "Criminal damage": OffenceType.OTHER,
    "Sexual assault": OffenceType.SEXUAL,
})


def group_of(offence: str) -> OffenceType:
    return OFFENCE_GROUPS.get(offence, OffenceType.OTHER)


def offences_in(groups: Iterable[OffenceType]) -> list[str]:
    """The listed offences in these groups (OTHER also takes every offence not listed: see ``group_of``)."""
    wanted = set(groups)
    return sorted(offence for offence, group in OFFENCE_GROUPS.items() if group in wanted)


def grouped_offences() -> list[str]:
    """The listed offences in a group other than OTHER: an offence outside these is OTHER."""
    return sorted(offence for offence, group in OFFENCE_GROUPS.items() if group is not OffenceType.OTHER)

"""The transforms behind the agreements' masks: what a masked field still reveals.

Each takes the full value and returns only what the mask allows. They never raise on a
withheld value's content in a way that would echo it: bad input gives a generic error.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from hub.errors import BadUserInput
from hub.identifiers import postcode_district as _postcode_district

OgrsBandName = Literal["LOW", "MEDIUM", "HIGH"]


def initials(name: str) -> str:
    """"John Smith" -> "J. S.": enough to show a record exists, not whose it is in full."""
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts)


def birth_year(born: date) -> int:
    return born.year


def ogrs_band(score: float) -> OgrsBandName:
    """OGRS two-year proven reoffending % -> band: LOW under 50, MEDIUM 50-74, HIGH 75 and over."""
    if not 0 <= score <= 100:
        raise BadUserInput("an OGRS score is a percentage between 0 and 100")
    if score >= 75:
        return "HIGH"
    if score >= 50:
        return "MEDIUM"
    return "LOW"


def postcode_district(postcode: str) -> str:
    """The outward code of a UK postcode (``E8 1AB`` -> ``E8``)."""
    return _postcode_district(postcode)

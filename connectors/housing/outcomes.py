"""The board's accommodation outcomes, worked out from what the housing record says about a day.

The housing system keeps the current accommodation status with the day it began, and placements with
their dates; it keeps no history of earlier statuses. So on a given day a client was:
- in a placement, where one was in force (transitional, approved premises, temporary, supported): housed,
  not in settled accommodation;
- otherwise in their current status, where it had begun by then: housed unless NFA or rough sleeping,
  settled only if settled;
- otherwise not known: the status changed since and no placement covers the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from hub.core.agency import Outcome

#: Three months after release, as the regional plan counts settled accommodation (13 weeks).
THREE_MONTHS = timedelta(weeks=13)
UNHOUSED = frozenset({"nfa", "rough_sleeping"})

Spell = tuple[date, date | None]

OUTCOMES = {
    "HOUSED_ON_RELEASE_NIGHT": Outcome(
        "housedOnReleaseNight", timedelta(0), ("accommodationStatus", "statusSince", "placements"),
        "housed (not NFA or rough sleeping, or in a placement) on the day of release, as housing records it"),
    "SETTLED_ACCOMMODATION_3_MONTHS": Outcome(
        "settledThreeMonthsAfterRelease", THREE_MONTHS, ("accommodationStatus", "statusSince", "placements"),
        "in settled accommodation (status settled, no placement in force) 13 weeks after release"),
}


def in_force(spells: Iterable[Spell], on: date) -> bool:
    return any(start <= on and (end is None or end >= on) for start, end in spells)


def housed(status: str, since: date, placements: Iterable[Spell], on: date) -> bool | None:
    if in_force(placements, on):
        return True
    return None if since > on else status not in UNHOUSED


def settled(status: str, since: date, placements: Iterable[Spell], on: date) -> bool | None:
    if in_force(placements, on):
        return False
    return None if since > on else status == "settled"


def outcome(field: str, status: str, since: date, placements: Iterable[Spell], released: date) -> bool | None:
    if field == "housedOnReleaseNight":
        return housed(status, since, placements, released)
    if field == "settledThreeMonthsAfterRelease":
        return settled(status, since, placements, released + THREE_MONTHS)
    raise ValueError(f"housing answers no outcome {field}")

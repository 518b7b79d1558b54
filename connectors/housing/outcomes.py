"""The board's accommodation outcomes, read from the housing accommodation history.

Housing records each accommodation status a client has been in, from the day it began to the last day it
held (a placement is a spell of its kind). On a given day a client was in the status of the spell in force
that day: housed unless NFA or rough sleeping, settled only if settled; not known where no spell covers the
day (before housing knew them, or a time it knows nothing of).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from hub.core.agency import Outcome

#: Three months after release, as the regional plan counts settled accommodation (13 weeks).
THREE_MONTHS = timedelta(weeks=13)
UNHOUSED = frozenset({"nfa", "rough_sleeping"})

#: (status, first day, last day or None while it is the current one)
Spell = tuple[str, date, date | None]

OUTCOMES = {
    "HOUSED_ON_RELEASE_NIGHT": Outcome(
        "housedOnReleaseNight", timedelta(0), ("accommodationStatus", "statusSince"),
        "housed (an accommodation status other than NFA or rough sleeping) on the night of release, as "
        "housing's accommodation history records it"),
    "SETTLED_ACCOMMODATION_3_MONTHS": Outcome(
        "settledThreeMonthsAfterRelease", THREE_MONTHS, ("accommodationStatus", "statusSince"),
        "in settled accommodation 13 weeks after release, as housing's accommodation history records it"),
}


def status_on(spells: Iterable[Spell], on: date) -> str | None:
    """The status of the spell in force on the day; None where no spell covers it."""
    return next((status for status, start, end in spells if start <= on and (end is None or on <= end)), None)


def outcome(field: str, spells: Iterable[Spell], released: date) -> bool | None:
    if field == "housedOnReleaseNight":
        status = status_on(spells, released)
        return None if status is None else status not in UNHOUSED
    if field == "settledThreeMonthsAfterRelease":
        status = status_on(spells, released + THREE_MONTHS)
        return None if status is None else status == "settled"
    raise ValueError(f"housing answers no outcome {field}")

"""A synthetic accommodation history: the status spells housing records for one client, drawn to fit the
person's story (custody, release) from the housing stream alone, so the same seed gives the same history.

The story it tells:
- people known before custody (or never in custody) move between statuses from the day housing first knew
  them: settled spells last longest, approved premises 6 to 16 weeks, transitional accommodation
  (CAS3, a transient placement) at most 12 weeks;
- for someone released, the spells before custody end when they went in (a gap housing knows nothing of);
  on the night of release they are in one of ``RELEASE_NIGHT`` (housing learns it from the prison's Duty to
  Refer), or, for some, housing first hears of them days or weeks later (the night is not known);
- someone still in custody keeps the status housing last recorded, open, as the system shows it today.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

#: Where people slept on the night of release, among those housing knows then. The Ministry of Justice
#: reports roughly 1 in 10 to 1 in 7 people leaving prison homeless or of no fixed abode; 12% here (8% NFA,
#: 4% rough sleeping). Most others go back to settled homes (their own, or family's), then approved
#: premises (high-risk licences), transitional accommodation (CAS3) and local-authority temporary housing.
RELEASE_NIGHT = {"settled": 42, "approved_premises": 12, "transient": 20, "temporary": 14, "nfa": 8,
                 "rough_sleeping": 4}
#: (shortest, longest) days a spell of each status lasts before the next status is recorded. Chosen so that
#: today's statuses look like a housing options caseload (about half settled, one in five homeless or
#: rough sleeping, a fifth in temporary accommodation), not only like the night of release.
DURATION = {"settled": (90, 900), "transient": (14, 240), "approved_premises": (42, 112),
            "temporary": (60, 540), "nfa": (30, 400), "rough_sleeping": (14, 300)}
#: Where a spell leads (never to the same status). Approved premises and transitional accommodation move
#: most people on to settled housing; some fall out into NFA or rough sleeping.
NEXT = {
    "settled": {"transient": 30, "temporary": 15, "nfa": 35, "rough_sleeping": 20},
    "approved_premises": {"settled": 45, "transient": 30, "temporary": 12, "nfa": 9, "rough_sleeping": 4},
    "transient": {"settled": 50, "temporary": 24, "nfa": 18, "rough_sleeping": 8},
    "temporary": {"settled": 70, "transient": 12, "nfa": 12, "rough_sleeping": 6},
    "nfa": {"temporary": 35, "transient": 35, "settled": 15, "rough_sleeping": 15},
    "rough_sleeping": {"temporary": 35, "transient": 30, "nfa": 20, "settled": 15},
}
#: Share of transient spells that are a transitional accommodation placement (CAS3, up to 12 weeks), and of
#: settled spells that are supported housing (a placement counted as settled: a long-term home with support).
TRANSITIONAL_SHARE = 0.6
SUPPORTED_SHARE = 0.08
TRANSITIONAL_DAYS = 84
#: Share of people released whom housing knew before they went into custody, and of the rest whom it knows
#: from the night of release (the prison referred them); the others it first hears of after release.
KNOWN_BEFORE_CUSTODY = 0.55
KNOWN_ON_RELEASE = 0.8
#: A status kept as a placement: approved premises, temporary accommodation, and the transient and settled
#: spells flagged as transitional accommodation or supported housing.
PLACED = {"approved_premises": "approved_premises", "temporary": "temporary"}


@dataclass
class DrawnSpell:
    """A spell as the generator draws it, with the placement it is (a row of ``accommodation_spell`` and
    perhaps ``placement``); the connector reads spells back as ``connectors.housing.outcomes.Spell``."""

    status: str
    starts_on: date
    #: the last day in the status (included); None for the current one
    ends_on: date | None
    #: the placement this spell is, if any (transitional, approved_premises, temporary, supported)
    placement: str | None = None


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _placement(rng: random.Random, status: str) -> str | None:
    if status in PLACED:
        return PLACED[status]
    if status == "transient" and rng.random() < TRANSITIONAL_SHARE:
        return "transitional"
    if status == "settled" and rng.random() < SUPPORTED_SHARE:
        return "supported"
    return None


def chain(rng: random.Random, first: str, start: date, until: date, *, open_end: bool) -> list[DrawnSpell]:
    """Spells from ``start`` in status ``first``, moving on as each ends, up to ``until``: the last one open
    (``open_end``: the current status) or ended on ``until`` (the day before custody)."""
    spells: list[DrawnSpell] = []
    status, day = first, start
    while True:
        placement = _placement(rng, status)
        lo, hi = DURATION[status]
        length = rng.randint(lo, min(hi, TRANSITIONAL_DAYS) if placement == "transitional" else hi)
        last = day + timedelta(days=length - 1)
        if last >= until:
            spells.append(DrawnSpell(status, day, None if open_end else until, placement))
            return spells
        spells.append(DrawnSpell(status, day, last, placement))
        status, day = _pick(rng, NEXT[status]), last + timedelta(days=1)


def history(rng: random.Random, as_of: date, released_on: date | None) -> list[DrawnSpell]:
    """A client's spells, oldest first, the last one open."""
    if released_on is None or released_on > as_of:  # never released, or still in custody: one run to today
        start = as_of - timedelta(days=rng.randint(30, 3650))
        return chain(rng, _pick(rng, RELEASE_NIGHT), start, as_of, open_end=True)
    spells: list[DrawnSpell] = []
    if rng.random() < KNOWN_BEFORE_CUSTODY:
        went_in = released_on - timedelta(days=rng.randint(60, 720))
        start = went_in - timedelta(days=rng.randint(30, 2500))
        spells = chain(rng, _pick(rng, RELEASE_NIGHT), start, went_in - timedelta(days=1), open_end=False)
    known = released_on if rng.random() < KNOWN_ON_RELEASE else released_on + timedelta(days=rng.randint(1, 120))
    if known > as_of:  # not heard of since release: the record still holds the spell before custody
        if spells:
            spells[-1].ends_on = None
            return spells
        known = as_of
    return spells + chain(rng, _pick(rng, RELEASE_NIGHT), known, as_of, open_end=True)

"""Generated people and the shared story every agency's synthetic records are drawn from.

One random stream per purpose, each seeded from the seed and a name: the population's own (who each
person is, their offence, their supervision and MAPPA status, their PNC ID) and one per agency (that
agency's records). So the same seed, count and date give the same data however rows are batched, and an
agency joining the partnership adds its records without changing anyone else's.

Guarantees tests and examples rely on (each agency's synthesiser keeps its part):
- the first 20 people (``complete``) have records in every agency;
- person 0 is in the fixed IOM cohort of ``iom-officer-001``, on ``om-001``'s caseload, with
  ``housing-officer-001`` and ``keyworker-001``, and has active consent to share with probation;
- person 1 has no consent recorded for probation;
- person 2 is a domestic-abuse case of ``victim-liaison-001`` with an exclusion zone, on licence, living
  in approved premises today (housing).

The prison part of the story (the establishment a person is held in or released from, and when the
release was decided) is drawn from a stream of its own, so adding it left everyone else's data unchanged.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from synthetic.identifiers import IdentifierMint
from synthetic.london import BOROUGHS, CITY_WEIGHT, establishments_for
from synthetic.names import FEMALE_FORENAMES, MALE_FORENAMES, SURNAMES

Row = dict[str, Any]

#: (offence, PNC-style offence code, kind) where kind steers IOM scoping and treatment likelihood.
OFFENCES: tuple[tuple[str, str, str], ...] = (
    ("Robbery", "TH68001", "acquisitive"),
    ("Burglary (dwelling)", "TH68010", "acquisitive"),
    ("Theft from shop", "TH68023", "acquisitive"),
    ("Theft of motor vehicle", "TH68036", "acquisitive"),
    ("Assault occasioning actual bodily harm", "OF61002", "violence"),
    ("Common assault (domestic)", "OF61131", "domestic"),
    ("Controlling or coercive behaviour", "OF61171", "domestic"),
    ("Possession with intent to supply class A", "MD71050", "drugs"),
    ("Possession of a bladed article", "FI68063", "violence"),
    ("Criminal damage", "CD71001", "other"),
    ("Breach of restraining order", "PU86003", "domestic"),
    ("Sexual assault", "SX03007", "sexual"),
)
#: The first this many people are held by every agency (examples and tests rely on them).
COMPLETE = 20
#: Share of releases decided 0-20 days ahead (the early release scheme's short or no notice);
#: the rest are known 21-120 days ahead (HDC, parole, conditional release dates).
SHORT_NOTICE_SHARE = 0.2
SHORT_NOTICE_DAYS = 20


@dataclass
class Batch:
    """Rows for each agency's tables, in insertion order (parents before children); ``index`` is the hub's."""

    rows: dict[str, dict[str, list[Row]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def add(self, agency: str, table: str, row: Row) -> None:
        self.rows[agency][table].append(row)

    def count(self) -> int:
        return sum(len(r) for tables in self.rows.values() for r in tables.values())


@dataclass
class SyntheticPerson:
    """One generated person: who they are and the parts of their story more than one agency records."""

    index: int
    person_id: str
    #: surname, forenames, date_of_birth: as each agency holds them
    identity: Row
    sex: str
    offence: str
    offence_code: str
    #: acquisitive, violence, domestic, drugs, sexual or other
    offence_kind: str
    borough: str
    #: OGRS two-year proven reoffending probability, %
    ogrs: int
    #: under probation supervision (custody, licence or community)
    on_probation: bool
    #: custody, licence or community, for people under supervision
    custody: str | None
    #: the latest release from custody: past (on licence) or planned (in custody); None in the community
    released_on: date | None
    known_to_police: bool
    #: MAPPA category and level, for people probation manages under MAPPA
    mappa_category: int | None
    mappa_level: int | None
    pnc_id: str | None
    #: (scheme, value): the identifiers agencies hold, for the person index
    links: list[tuple[str, str]] = field(default_factory=list)
    #: the prison the person is held in (custody) or was last released from (licence)
    establishment: str | None = None
    #: when the latest release was decided; None while it is not yet decided (a planned release)
    release_decided_on: date | None = None

    @property
    def complete(self) -> bool:
        """Among the first people, whom every agency holds (examples and tests rely on them)."""
        return self.index < COMPLETE


class Stream:
    """One agency's random stream, identifier mint and row ids, and the day the data is generated around."""

    def __init__(self, seed: int, name: str, as_of: date, people: int) -> None:
        self.rng = random.Random(f"{seed}:{name}")
        self.mint = IdentifierMint(self.rng)
        self.as_of = as_of
        #: how many people the run generates (staff are sized to it)
        self.people = people
        self._ids: dict[str, int] = defaultdict(int)

    def next_id(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def days(self, lo: int, hi: int) -> date:
        """A date between ``lo`` and ``hi`` days from today (negative is the past)."""
        return self.as_of + timedelta(days=self.rng.randint(lo, hi))

    def moment(self, day: date) -> datetime:
        return datetime.combine(day, time(self.rng.randrange(24), self.rng.randrange(60)))


def staff_ids(prefix: str, count: int) -> tuple[str, ...]:
    """``prefix-001``...: at least two, so a caseload is never everyone's."""
    return tuple(f"{prefix}-{n:03d}" for n in range(1, max(2, count) + 1))


class Population:
    """Generates people in order from the population's own stream."""

    def __init__(self, *, seed: int, people: int, as_of: date) -> None:
        self.stream = Stream(seed, "population", as_of, people)
        self.prison = Stream(seed, "prison", as_of, people)
        self._boroughs = list(BOROUGHS)
        self._weights = [float(w) or CITY_WEIGHT for w, _ in BOROUGHS.values()]

    def person(self, i: int) -> SyntheticPerson:
        rng, as_of = self.stream.rng, self.stream.as_of
        complete = i < COMPLETE
        sex = "F" if rng.random() < 0.15 else "M"
        forenames = rng.choice(FEMALE_FORENAMES if sex == "F" else MALE_FORENAMES)
        if rng.random() < 0.3:
            forenames += " " + rng.choice(FEMALE_FORENAMES if sex == "F" else MALE_FORENAMES)
        age = min(70, max(18, int(rng.gauss(33, 9))))
        dob = as_of - timedelta(days=age * 365 + rng.randrange(365))
        offence, offence_code, offence_kind = rng.choice(OFFENCES)
        on_probation = complete or rng.random() < 0.95
        custody = released_on = None
        if on_probation:
            custody = "licence" if i in (0, 2) else rng.choices(("custody", "licence", "community"), (33, 25, 42))[0]
            if custody == "custody":  # within 18 months; a tenth within 20 days (early release, little notice)
                released_on = self.stream.days(1, 20) if rng.random() < 0.1 else self.stream.days(21, 540)
            elif custody == "licence":
                released_on = self.stream.days(-700, -1)
        mappa_category = mappa_level = None
        if on_probation and i > 2 and (offence_kind == "sexual" or rng.random() < 0.1):
            mappa_category = 1 if offence_kind == "sexual" else rng.choices((2, 3), (85, 15))[0]
            mappa_level = rng.choices((1, 2, 3), (85, 12, 3))[0]
        known_to_police = complete or not on_probation or rng.random() < 0.96
        pnc_id = self.stream.mint.pnc_id(max(1990, as_of.year - rng.randint(1, 20))) if known_to_police else None
        return SyntheticPerson(
            index=i, person_id=f"H{i + 1:08d}",
            identity={"surname": rng.choice(SURNAMES), "forenames": forenames, "date_of_birth": dob},
            sex=sex, offence=offence, offence_code=offence_code, offence_kind=offence_kind,
            borough=rng.choices(self._boroughs, self._weights)[0], ogrs=int(rng.betavariate(2.2, 2.0) * 99),
            on_probation=on_probation, custody=custody, released_on=released_on, known_to_police=known_to_police,
            mappa_category=mappa_category,
            mappa_level=mappa_level, pnc_id=pnc_id, **self._prison(released_on, sex),
        )

    def _prison(self, released_on: date | None, sex: str) -> Row:
        """The establishment and the day the release was decided, for someone with a release."""
        if released_on is None:
            return {}
        rng, as_of = self.prison.rng, self.prison.as_of
        establishment = rng.choices(*establishments_for(sex))[0]
        ahead = (released_on - as_of).days
        if 0 < ahead <= SHORT_NOTICE_DAYS:  # released within days: decided already, at short notice
            notice = rng.randint(ahead, SHORT_NOTICE_DAYS)
        elif rng.random() < SHORT_NOTICE_SHARE:
            notice = rng.randint(0, SHORT_NOTICE_DAYS)
        else:
            notice = rng.randint(SHORT_NOTICE_DAYS + 1, 120)
        decided = released_on - timedelta(days=notice)
        return {"establishment": establishment, "release_decided_on": decided if decided <= as_of else None}

    @staticmethod
    def index_rows(person: SyntheticPerson, out: Batch) -> None:
        """The hub's own person index: the identity and every identifier the agencies hold."""
        out.add("index", "person", {"person_id": person.person_id, **person.identity})
        for scheme, value in person.links:
            out.add("index", "person_link", {"person_id": person.person_id, "scheme": scheme, "value": value})

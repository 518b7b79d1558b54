"""Aggregate counts for partnership performance: counts only, small numbers suppressed.

Two kinds of measure:
- a *distribution*: an agency's records by one of its fields (``Agency.measures``), counted by that agency;
- an *outcome*: a release cohort followed to an outcome another agency knows (``Agency.outcomes``),
  joined by hub person id (hub.services.cohort), with optional breakdowns and a release period.

Each measure's whole table is protected once (hub.services.disclosure) and kept for
``Settings.counts_ttl_seconds``; every query reads its cells from that table.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from hub.core.agency import Agency, Outcome
from hub.core.errors import BadUserInput, HubError
from hub.services import cohort
from hub.services.agencies import Agencies
from hub.services.disclosure import ALL, Dimension, Key, ProtectedTable, protect, tabulate
from hub.services.index.store import PersonIndex

THRESHOLD = 5


class MeasureUnavailable(HubError):
    """A measure whose agency (or the release cohort's) is not connected to this hub."""

    code = "MEASURE_UNAVAILABLE"
    http_status = 200
    outcome = "refused"


@dataclass(frozen=True)
class Measure:
    """A count the partnership reports."""

    name: str
    agency: str
    #: the field counted: the record's countable field, or the outcome's source field
    field: str
    #: the governed fields it reads (catalogue keys), the first being the one it counts
    reads: tuple[str, ...]
    #: the outcome followed for a release cohort; None: a distribution of the agency's records
    outcome: Outcome | None = None

    @property
    def field_key(self) -> str:
        return self.reads[0]


def measures(agencies: Iterable[Agency]) -> dict[str, Measure]:
    """Every registered agency's measures, by name."""
    found: dict[str, Measure] = {}
    for a in agencies:
        for name, field in a.measures.items():
            found[name] = Measure(name, a.name, field, (f"{a.record_type}.{field}",))
        for name, o in a.outcomes.items():
            found[name] = Measure(name, a.name, o.source_field, tuple(f"{a.record_type}.{f}" for f in o.reads), o)
    return found


@dataclass(frozen=True)
class Cell:
    value: str
    count: int | None  # None: suppressed
    #: (breakdown, value) pairs, in the order asked
    breakdown: tuple[tuple[str, str], ...] = ()

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class CountTable:
    measure: str
    cells: tuple[Cell, ...]
    total: int | None
    #: the breakdowns of the protected table read (its suppression is shaped by each)
    breakdowns: tuple[str, ...] = ()


def read(table: ProtectedTable, measure: str, period: str | None = None, by: Sequence[str] = ()) -> CountTable:
    """The cells of one query: the period (None: every release), the breakdowns asked, each value."""
    names = [d.name for d in table.dimensions]
    at = [names.index(b) for b in by]

    def wanted(key: Key) -> bool:
        for i, name in enumerate(names):
            if name == "period":
                if key[i] != (period or ALL):
                    return False
            elif name == "value" or i in at:
                if key[i] == ALL:
                    return False
            elif key[i] != ALL:
                return False
        return True

    value = names.index("value")
    cells = tuple(Cell(key[value], table.cell(key), tuple((names[i], key[i]) for i in at))
                  for key in sorted(k for k in table.counts if wanted(k)))
    total = tuple((period or ALL) if n == "period" else ALL for n in names)
    return CountTable(measure, cells, table.cell(total), tuple(n for n in names if n not in ("period", "value")))


def distribution_table(counts: dict[str, int], threshold: int = THRESHOLD) -> ProtectedTable:
    cells: dict[Key, int] = {(v,): n for v, n in counts.items() if n}
    return protect({**cells, (ALL,): sum(counts.values())}, [Dimension("value")], threshold)


class CountTables:
    """Each measure's protected table, computed once and kept ``ttl`` seconds (0: every time).

    An outcome measure's table is built over the breakdowns the caller may count (``over``), and kept
    per measure and set: every caller allowed the same breakdowns reads the same protected table, and
    no table's suppression is shaped by a field its reader may not count. What the tables built within
    ``ttl`` of each other read besides the outcome is read once (``cohort.Facts``)."""

    def __init__(self, index: PersonIndex, agencies: Agencies, ttl: float,
                 today: Callable[[], date] = lambda: datetime.now(UTC).date()) -> None:
        self.index, self.agencies, self.ttl, self.today = index, agencies, ttl, today
        self._kept: dict[tuple[str, tuple[str, ...]], tuple[float, ProtectedTable]] = {}
        self._locks: dict[tuple[str, tuple[str, ...]], asyncio.Lock] = {}
        self._facts: tuple[float, cohort.Facts] | None = None

    def breakdowns(self, names: Iterable[str]) -> list[cohort.Breakdown]:
        """The connected breakdowns of ``names``, in registration order."""
        wanted = set(names)
        return [b for b in cohort.breakdowns(self.agencies.descriptors.values()) if b.name in wanted]

    def check(self, measure: Measure, by: Sequence[str] = ()) -> None:
        """Refuse a measure whose agency, the release cohort's or an asked breakdown's is not connected."""
        if measure.agency not in self.agencies:
            raise MeasureUnavailable(f"{measure.name} needs the {measure.agency} agency, which this hub does not "
                                     "connect", measure=measure.name, agency=measure.agency)
        if measure.outcome is not None and cohort.cohort_agency(self.agencies.descriptors.values()) is None:
            raise MeasureUnavailable(f"{measure.name} follows a release cohort, and no agency connected to this "
                                     "hub holds release dates", measure=measure.name)
        known = {b.name for b in self.breakdowns(by)}
        missing = [b for b in by if b not in known]
        if missing:
            raise MeasureUnavailable(f"the breakdown {missing[0]} needs an agency this hub does not connect",
                                     breakdown=missing[0])

    async def table(self, measure: Measure, over: Sequence[str] = ()) -> ProtectedTable:
        """The measure's protected table over the connected breakdowns of ``over`` (a distribution: none)."""
        self.check(measure)
        dims = tuple(b.name for b in self.breakdowns(over)) if measure.outcome is not None else ()
        key = (measure.name, dims)
        async with self._locks.setdefault(key, asyncio.Lock()):
            kept = self._kept.get(key)
            if kept is not None and time.monotonic() - kept[0] < self.ttl:
                return kept[1]
            # Kept from when its data was read (the shared reads' time), so no table outlives ``ttl``.
            self._kept[key] = await self._compute(measure, dims)
            return self._kept[key][1]

    def facts(self) -> cohort.Facts:
        """The shared reads of the tables being built, fresh once older than ``ttl``."""
        return self._fresh_facts()[1]

    def _fresh_facts(self) -> tuple[float, cohort.Facts]:
        now = time.monotonic()
        if self._facts is None or now - self._facts[0] >= self.ttl:
            self._facts = (now, cohort.Facts(self.agencies, self.index))
        return self._facts

    async def _compute(self, measure: Measure, dims: tuple[str, ...]) -> tuple[float, ProtectedTable]:
        if measure.outcome is None:
            read_at = time.monotonic()
            return read_at, distribution_table(await self.agencies[measure.agency].counts(measure.field))
        read_at, facts = self._fresh_facts()
        dimensions, rows = await cohort.rows(self.agencies, facts, measure.agency, measure.outcome,
                                             self.breakdowns(dims), self.today())
        # Tabulating and protecting is CPU work: off the event loop, so other requests keep being served.
        return read_at, await asyncio.to_thread(lambda: protect(tabulate(rows, dimensions), dimensions, THRESHOLD))

    async def count(self, measure: Measure, period: str | None = None, by: Sequence[str] = (),
                    over: Sequence[str] = ()) -> CountTable:
        """One query's cells, read from the table over ``over`` (the breakdowns the caller may count, which
        must hold ``by``): refused before anything is read if an agency it needs is not connected."""
        if measure.outcome is None and (period is not None or by):
            raise BadUserInput(f"{measure.name} counts the agency's records as they are today: it follows no "
                               "release cohort, so it takes neither releasedBetween nor by", argument="measure")
        if not set(by) <= set(over):
            raise ValueError("a breakdown asked for is not among those the table is built over")
        self.check(measure, by)
        return read(await self.table(measure, over), measure.name, period, by)

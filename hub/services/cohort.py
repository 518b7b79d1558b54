"""The release cohort an outcome measure follows, joined across agencies by hub person id.

- The cohort: people released from custody, on the release dates of the agency that is the authority
  on them (probation's ``releases``). Each person counts once per release *quarter*, at their first
  release in it; a measure counts only the quarters that ended at least its follow-up before today.
  The rule depends neither on today nor on the follow-up, so a quarter's cohort is the same in every
  measure that counts it and stays the same as later quarters close: two published tables never differ
  by a few people moved from one quarter to another (a difference suppression does not protect).
- The outcome: asked of the agency that knows it (``Connector.outcomes``) with its own keys and each
  key's release date; a person's keys are found through the person index. A person the outcome agency
  holds no record of, or whose record cannot say, counts as ``not_known`` (``NOT_KNOWN``); a person
  with several records there is ``true`` if one says so, else ``false`` if one says not.
- The breakdowns: each asked of the agency that answers it (the release type of the release itself);
  a person that agency holds no record of is ``not_known`` there too.

What a build reads (releases, the person index's links, breakdown values) is read once by ``Facts``
and shared by every measure built from it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar, cast

from hub.core.agency import NOT_KNOWN, Agency, Outcome, Release
from hub.core.errors import BadUserInput
from hub.services.agencies import Agencies
from hub.services.disclosure import Dimension
from hub.services.index.store import PersonIndex

#: the outcome held, or did not (the values the measures counted before they followed a cohort)
YES, NO = "true", "false"

T = TypeVar("T")


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_end(day: date) -> date:
    first_of_next = date(day.year + (day.month > 9), (((day.month - 1) // 3 + 1) * 3) % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def financial_year_of(day: date) -> str:
    """The UK financial year (April to March) holding the day, as ``FY2025/26``."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"FY{start}/{(start + 1) % 100:02d}"


def period_of(start: date | None, end: date | None) -> str | None:
    """The period a ``releasedBetween`` names: a whole calendar quarter or a whole financial year (both
    days included), None for no range. Any other range is refused: a range the table does not know could
    be set against an adjacent one to single out the people released in the days between."""
    if start is None and end is None:
        return None
    if start is not None and end is not None:
        if start.day == 1 and start.month in (1, 4, 7, 10) and end == quarter_end(start):
            return quarter_of(start)
        if (start.month, start.day) == (4, 1) and end == date(start.year + 1, 3, 31):
            return financial_year_of(start)
    raise BadUserInput("releasedBetween must be one whole calendar quarter (e.g. 2025-04-01 to 2025-06-30) or "
                       "one whole financial year (1 April to 31 March)", argument="releasedBetween")


@dataclass(frozen=True)
class Breakdown:
    """A ``CountBreakdown`` value and who answers it."""

    name: str
    agency: Agency
    #: the record's field (GraphQL name)
    field: str

    @property
    def field_key(self) -> str:
        return f"{self.agency.record_type}.{self.field}"


def breakdowns(agencies: Iterable[Agency]) -> list[Breakdown]:
    """The breakdowns the agencies answer, in registration order."""
    return [Breakdown(name, a, f) for a in agencies for name, f in a.breakdowns.items()]


def cohort_agency(agencies: Iterable[Agency]) -> Agency | None:
    """The agency whose releases define the cohort (probation)."""
    return next((a for a in agencies if a.release_field is not None), None)


def release_field(agencies: Iterable[Agency]) -> str | None:
    """The field key of the release date the cohort follows."""
    source = cohort_agency(agencies)
    return None if source is None else f"{source.record_type}.{source.release_field}"


def period_dimension(quarters: Sequence[str]) -> Dimension:
    """Quarters roll up into financial years, then all releases."""
    def year(q: str) -> str:
        y, n = int(q[:4]), int(q[-1])
        return financial_year_of(date(y, 3 * n, 1))
    return Dimension("period", {q: year(q) for q in quarters})


class Facts:
    """What outcome tables read besides the outcome itself, each read at most once and shared by every
    measure built from it: the releases, the person index's links of a scheme, a breakdown's values.
    A read that failed is tried again by the next measure that needs it."""

    def __init__(self, agencies: Agencies, index: PersonIndex) -> None:
        self.agencies, self.index = agencies, index
        self._reads: dict[tuple[str, str], asyncio.Task[Any]] = {}

    async def _once(self, key: tuple[str, str], read: Callable[[], Awaitable[T]]) -> T:
        task = self._reads.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            async def run() -> T:
                return await read()
            task = self._reads[key] = asyncio.ensure_future(run())
        # Shielded: a request cancelled while waiting (its time limit) does not cancel the read another awaits.
        return cast(T, await asyncio.shield(task))

    async def keys_of(self, scheme: str) -> dict[str, list[str]]:
        """Hub person id -> its identifiers of ``scheme``, sorted."""
        async def read() -> dict[str, list[str]]:
            found: dict[str, list[str]] = defaultdict(list)
            for key, pid in sorted((await self.index.links(scheme)).items()):
                found[pid].append(key)
            return dict(found)
        return await self._once(("links", scheme), read)

    async def releases(self) -> list[tuple[str, Release]]:
        """Every release of a person the index knows, with that person's hub id."""
        async def read() -> list[tuple[str, Release]]:
            source = cohort_agency(self.agencies.descriptors.values())
            assert source is not None  # CountTables.check refuses a hub without one
            found, links = await asyncio.gather(self.agencies[source.name].releases(),
                                                self.index.links(source.key_scheme))
            return [(links[r.key], r) for r in found if r.key in links]
        return await self._once(("releases", ""), read)

    async def breakdown(self, b: Breakdown) -> dict[str, str]:
        """Hub person id -> the breakdown's value, for the people the answering agency holds."""
        async def read() -> dict[str, str]:
            keys_of, values = await asyncio.gather(self.keys_of(b.agency.key_scheme),
                                                   self.agencies[b.agency.name].breakdown_values(b.field))
            return {pid: next((values[k] for k in keys if k in values), NOT_KNOWN) for pid, keys in keys_of.items()}
        return await self._once(("breakdown", b.name), read)


def cohort(releases: Iterable[tuple[str, Release]], follow_up: timedelta, today: date
           ) -> dict[tuple[str, str], Release]:
    """(hub person id, quarter) -> the person's first release in the quarter, for the quarters whose every
    release has had the follow-up by today."""
    chosen: dict[tuple[str, str], Release] = {}
    for pid, r in releases:
        if quarter_end(r.on) + follow_up > today:
            continue
        at = (pid, quarter_of(r.on))
        if at not in chosen or (r.on, r.key) < (chosen[at].on, chosen[at].key):
            chosen[at] = r
    return chosen


async def outcomes(agencies: Agencies, facts: Facts, agency: str, outcome: Outcome,
                   chosen: Mapping[tuple[str, str], Release]) -> dict[tuple[str, str], str]:
    """(hub person id, quarter) -> the outcome, for the cohort's people the outcome agency holds: one
    question to the agency, each of its keys with the day of each counted release of its person."""
    if not chosen:
        return {}  # nothing followed up yet: nothing to ask
    keys_of = await facts.keys_of(agencies.descriptors[agency].key_scheme)
    released: dict[str, list[date]] = defaultdict(list)
    asked: dict[str, list[tuple[str, str]]] = defaultdict(list)  # key -> the (person, quarter) of each day
    for (pid, quarter), r in sorted(chosen.items()):
        for key in keys_of.get(pid, ()):
            released[key].append(r.on)
            asked[key].append((pid, quarter))
    found = await agencies[agency].outcomes(outcome.source_field, released) if released else {}
    said: dict[tuple[str, str], list[bool | None]] = defaultdict(list)
    for key, values in found.items():
        for at, value in zip(asked[key], values, strict=True):
            said[at].append(value)
    return {at: YES if True in values else NO if False in values else NOT_KNOWN for at, values in said.items()}


async def rows(agencies: Agencies, facts: Facts, agency: str, outcome: Outcome, by: Sequence[Breakdown],
               today: date) -> tuple[list[Dimension], list[tuple[str, ...]]]:
    """The dimensions (period, each breakdown of ``by``, the outcome value) and a row per person and
    release quarter."""
    source = cohort_agency(agencies.descriptors.values())
    assert source is not None  # the caller checks
    chosen = cohort(await facts.releases(), outcome.follow_up, today)

    async def broken_down(b: Breakdown) -> dict[tuple[str, str], str]:
        if b.agency.name == source.name:  # a value of the release itself
            return {at: r.values.get(b.field, NOT_KNOWN) for at, r in chosen.items()}
        values = await facts.breakdown(b) if chosen else {}
        return {at: values.get(at[0], NOT_KNOWN) for at in chosen}

    found, *split = await asyncio.gather(outcomes(agencies, facts, agency, outcome, chosen),
                                         *(broken_down(b) for b in by))
    table = [(quarter, *(s[(pid, quarter)] for s in split), found.get((pid, quarter), NOT_KNOWN))
             for pid, quarter in sorted(chosen)]
    dims = [period_dimension(sorted({row[0] for row in table})), *(Dimension(b.name) for b in by),
            Dimension("value")]
    return dims, table

"""The release cohort an outcome measure follows, joined across agencies by hub person id.

- The cohort: people released from custody, on the release dates of the agency that is the authority
  on them (probation's ``releases``). Each person counts once per measure: at their latest release
  whose *quarter* has ended at least the measure's follow-up before today, so every release in a
  published quarter has had its full follow-up and a quarter's figures do not grow as days pass.
- The outcome: asked of the agency that knows it (``Connector.outcomes``) with its own keys and each
  key's release date; a person's keys are found through the person index. A person the outcome agency
  holds no record of, or whose record cannot say, counts as ``not_known`` (``NOT_KNOWN``); a person
  with several records there is ``true`` if one says so, else ``false`` if one says not.
- The breakdowns: each asked of the agency that answers it (the release type of the release itself);
  a person that agency holds no record of is ``not_known`` there too.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hub.core.agency import NOT_KNOWN, Agency, Outcome, Release
from hub.core.errors import BadUserInput
from hub.services.agencies import Agencies
from hub.services.disclosure import Dimension
from hub.services.index.store import PersonIndex

#: the outcome held, or did not (the values the measures counted before they followed a cohort)
YES, NO = "true", "false"


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


def breakdowns(agencies: Agencies) -> list[Breakdown]:
    """The breakdowns the connected agencies answer, in registration order."""
    return [Breakdown(name, a, f) for a in agencies.descriptors.values() for name, f in a.breakdowns.items()]


def cohort_agency(agencies: Agencies) -> Agency | None:
    return next((a for a in agencies.descriptors.values() if a.release_field is not None), None)


def period_dimension(quarters: Sequence[str]) -> Dimension:
    """Quarters roll up into financial years, then all releases."""
    def year(q: str) -> str:
        y, n = int(q[:4]), int(q[-1])
        return financial_year_of(date(y, 3 * n, 1))
    return Dimension("period", {q: year(q) for q in quarters})


def _pid_keys(links: Mapping[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for key, pid in sorted(links.items()):
        found[pid].append(key)
    return found


async def rows(agencies: Agencies, index: PersonIndex, agency: str, outcome: Outcome, today: date
               ) -> tuple[list[Dimension], list[tuple[str, ...]]]:
    """The dimensions (period, every connected breakdown, the outcome value) and a row per person."""
    source = cohort_agency(agencies)
    assert source is not None  # the caller checks
    releases, release_links = await asyncio.gather(agencies[source.name].releases(),
                                                   index.links(source.key_scheme))
    chosen: dict[str, Release] = {}
    for r in releases:
        pid = release_links.get(r.key)
        if pid is None or quarter_end(r.on) + outcome.follow_up > today:
            continue
        if pid not in chosen or (r.on, r.key) > (chosen[pid].on, chosen[pid].key):
            chosen[pid] = r

    async def answered(name: str) -> dict[str, str]:
        """Hub person id -> the outcome, for the people of the cohort the outcome agency holds."""
        keys_of = _pid_keys(await index.links(agencies[name].key_scheme))
        released = {k: chosen[pid].on for pid, keys in keys_of.items() if pid in chosen for k in keys}
        found = await agencies[name].outcomes(outcome.source_field, released)
        values: dict[str, str] = {}
        for pid, keys in keys_of.items():
            said = [found.get(k) for k in keys if k in found]
            if pid in chosen and said:
                values[pid] = YES if True in said else NO if False in said else NOT_KNOWN
        return values

    async def broken_down(b: Breakdown) -> dict[str, str]:
        if b.agency.name == source.name:
            return {pid: r.values.get(b.field, NOT_KNOWN) for pid, r in chosen.items()}
        keys_of = _pid_keys(await index.links(b.agency.key_scheme))
        values = await agencies[b.agency.name].breakdown_values(b.field)
        return {pid: next((values[k] for k in keys if k in values), NOT_KNOWN) for pid, keys in keys_of.items()}

    by = breakdowns(agencies)
    found, *split = await asyncio.gather(answered(agency), *(broken_down(b) for b in by))
    table = [(quarter_of(r.on), *(s.get(pid, NOT_KNOWN) for s in split), found.get(pid, NOT_KNOWN))
             for pid, r in sorted(chosen.items())]
    dims = [period_dimension(sorted({row[0] for row in table})), *(Dimension(b.name) for b in by),
            Dimension("value")]
    return dims, table

"""Aggregate counts for partnership performance: counts only, small numbers suppressed.

A cell under ``THRESHOLD`` is withheld (primary suppression). If exactly one cell is withheld, the
next smallest is withheld too (secondary suppression), so the withheld one cannot be worked out
from the total; the total itself is shown only when no cell is withheld.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.core.agency import Agency
from hub.services.agencies import Agencies

THRESHOLD = 5


@dataclass(frozen=True)
class Measure:
    """A count the partnership reports: people by one field of one agency's record."""

    name: str
    agency: str
    #: the countable field of the agency's record (a GraphQL field name)
    field: str
    #: the catalogue's key for it, which the agreements allow (or not) in aggregate
    field_key: str


def measures(agencies: Iterable[Agency]) -> dict[str, Measure]:
    """Every registered agency's measures, by name."""
    return {name: Measure(name, a.name, field, f"{a.record_type}.{field}")
            for a in agencies for name, field in a.measures.items()}


@dataclass(frozen=True)
class Cell:
    value: str
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class CountTable:
    measure: str
    cells: tuple[Cell, ...]
    total: int | None


def suppress(counts: dict[str, int], threshold: int = THRESHOLD) -> tuple[tuple[Cell, ...], int | None]:
    hidden = {v for v, n in counts.items() if n < threshold}
    if len(hidden) == 1 and len(counts) > 1:
        shown = sorted((n, v) for v, n in counts.items() if v not in hidden)
        hidden.add(shown[0][1])
    cells = tuple(Cell(v, None if v in hidden else n) for v, n in sorted(counts.items()))
    return cells, None if hidden else sum(counts.values())


async def count(agencies: Agencies, measure: Measure) -> CountTable:
    cells, total = suppress(await agencies[measure.agency].counts(measure.field))
    return CountTable(measure.name, cells, total)

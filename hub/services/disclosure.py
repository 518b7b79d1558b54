"""Statistical disclosure control for the partnership's counts: one protected table per measure.

A measure is tabulated once over its whole lattice: every combination of its dimensions (the release
period, each breakdown, the counted value), each dimension also at its marginal levels (a quarter's
financial year, then all; a borough, then all boroughs), so every figure any allowed query can publish
is a cell of the same table. Then:

- primary suppression: a cell counting 1 to ``threshold - 1`` people is withheld (zeros are shown);
- secondary suppression, to a fixpoint: along every *line* (the cells that add up to a marginal, with
  the marginal itself), a line with exactly one withheld cell would give it away by subtraction, so the
  smallest other non-zero cell of the line is withheld too (a cell before a marginal on ties).

This is the usual cell-suppression practice of national statistics offices (at least two withheld cells
in any row or column that sums to a published total: ONS, "Statistical disclosure control for tables";
ABS, "Confidentiality: cell suppression"). It stops differencing within one line (a total minus the
visible cells of a breakdown; a two-way breakdown against each one-way one; a financial year minus its
quarters); it does not solve the full linear system an attacker could build from many lines at once,
which audit-style suppression (a linear program per withheld cell) would.

Every query reads its cells from the one protected table, so no two queries disagree.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

#: The marginal value of a dimension: all of its values together.
ALL = "*"

Key = tuple[str, ...]


@dataclass(frozen=True)
class Dimension:
    name: str
    #: a value -> the value it rolls up into before ALL (a quarter -> its financial year)
    parents: Mapping[str, str] = field(default_factory=dict)

    def levels(self, value: str) -> list[str]:
        """The value and every marginal it rolls up into, ALL last."""
        found = [value]
        while found[-1] != ALL:
            found.append(self.parents.get(found[-1], ALL))
        return found

    def parent(self, value: str) -> str:
        return self.parents.get(value, ALL)


@dataclass(frozen=True)
class ProtectedTable:
    dimensions: tuple[Dimension, ...]
    #: every non-zero cell of the lattice, marginals included; a key not here counts zero
    counts: Mapping[Key, int]
    withheld: frozenset[Key]

    def cell(self, key: Key) -> int | None:
        """The published count of a cell: None when withheld."""
        return None if key in self.withheld else self.counts.get(key, 0)


def tabulate(rows: Iterable[Sequence[str]], dimensions: Sequence[Dimension]) -> dict[Key, int]:
    """Each row (one person, a value per dimension) counted in every cell of the lattice it falls in."""
    counts: Counter[Key] = Counter()
    for row in rows:
        for key in product(*(d.levels(v) for d, v in zip(dimensions, row, strict=True))):
            counts[key] += 1
    return dict(counts)


def lines(keys: Iterable[Key], dimensions: Sequence[Dimension]) -> dict[tuple[int, Key], list[Key]]:
    """Every line of the lattice: (dimension, marginal) -> the marginal first, then the cells adding up to it."""
    found: dict[tuple[int, Key], list[Key]] = {}
    for key in keys:
        for i, value in enumerate(key):
            if value != ALL:
                total = (*key[:i], dimensions[i].parent(value), *key[i + 1:])
                found.setdefault((i, total), [total]).append(key)
    return found


def protect(counts: Mapping[Key, int], dimensions: Sequence[Dimension], threshold: int) -> ProtectedTable:
    withheld = {k for k, n in counts.items() if 0 < n < threshold}
    by_id = lines(counts, dimensions)
    lines_of: dict[Key, list[tuple[int, Key]]] = {}
    for line_id, members in by_id.items():
        for key in members:
            lines_of.setdefault(key, []).append(line_id)
    # Lines in a fixed order (a heap, not a set: string hashes differ between processes), so every
    # replica withholds the same cells and no two of them can be played against each other.
    pending = sorted(by_id)
    queued = set(pending)
    while pending:
        line_id = heapq.heappop(pending)
        queued.discard(line_id)
        members = by_id[line_id]
        hidden = [k for k in members if k in withheld]
        if len(hidden) != 1:
            continue
        total = members[0]
        candidates = [k for k in members if k not in withheld and counts.get(k, 0) > 0]
        if not candidates:
            continue
        chosen = min(candidates, key=lambda k: (counts[k], k == total, k))
        withheld.add(chosen)
        for again in lines_of[chosen]:
            if again not in queued:
                queued.add(again)
                heapq.heappush(pending, again)
    return ProtectedTable(tuple(dimensions), dict(counts), frozenset(withheld))


def unsafe_lines(table: ProtectedTable) -> list[list[Key]]:
    """Lines with exactly one withheld cell: none, in a protected table (for the tests and the bench)."""
    found = lines(table.counts, table.dimensions).values()
    return [m for m in found if sum(k in table.withheld for k in m) == 1]

"""``python -m bench.outcome_tables [--people N] [--postgres URL]``: what each outcome measure's protected
table costs to build (cohort, join, tabulation, suppression) and to read once kept, on the bench data set;
and the cold build of the README's board query (every outcome table at once, as its aliases ask): time and
SQL statements."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from bench.dataset import prepare
from hub.core.agency import NOT_KNOWN
from hub.core.statement_counter import count_statements
from hub.services import cohort
from hub.services.counts import THRESHOLD, CountTables
from hub.services.disclosure import ALL, protect, tabulate, unsafe_lines
from hub.web.runtime import Hub
from schema.graph.types.counts import BREAKDOWNS, MEASURES

#: an analyst may count by every breakdown: the table they read is built over all of them
EVERY = list(BREAKDOWNS)


async def cold_board(hub: Hub) -> None:
    """Every outcome table built together on a fresh cache, as the README's board query builds them."""
    outcomes = [m for m in MEASURES.values() if m.outcome is not None]
    tables = CountTables(hub.index, hub.agencies, ttl=3600)
    with count_statements(hub.sql_engines()) as counted:
        started = time.perf_counter()
        await asyncio.gather(*(tables.table(m, EVERY) for m in outcomes))
        took = time.perf_counter() - started
    print(f"  cold build of the {len(outcomes)} outcome tables together: {took:.2f} s, "
          f"{sum(counted.values())} SQL statements ({', '.join(f'{k} {n}' for k, n in counted.items() if n)})")


async def measure(people: int, postgres: str | None, repeats: int) -> None:
    settings, _ = await prepare(people, postgres=postgres)
    hub = Hub.open(settings)
    try:
        print(f"{people} people on {'PostgreSQL' if postgres else 'SQLite'}; median of {repeats} builds")
        await cold_board(hub)
        for name, m in MEASURES.items():
            if m.outcome is None:
                continue
            assert m.outcome is not None
            builds, protecting, not_known = [], [], 0.0
            for _ in range(repeats):
                tables = CountTables(hub.index, hub.agencies, ttl=3600)
                started = time.perf_counter()
                table = await tables.table(m, EVERY)
                builds.append(time.perf_counter() - started)
                dims, rows = await cohort.rows(hub.agencies, tables.facts(), m.agency, m.outcome,
                                               tables.breakdowns(EVERY), datetime.now(UTC).date())
                started = time.perf_counter()
                protect(tabulate(rows, dims), dims, THRESHOLD)
                protecting.append(time.perf_counter() - started)
                not_known = sum(r[-1] == NOT_KNOWN for r in rows) / max(1, len(rows))
            reads = []
            for by in ([], ["BOROUGH"], ["BOROUGH", "IOM_COHORT", "RELEASE_TYPE"]):
                started = time.perf_counter()
                await tables.count(m, None, by, EVERY)
                reads.append(time.perf_counter() - started)
            released = table.counts.get(tuple(ALL for _ in table.dimensions), 0)
            print(f"  {name}: build {statistics.median(builds):.2f} s (tabulate and suppress "
                  f"{statistics.median(protecting):.2f} s), cohort {released} person-quarters, {len(table.counts)} "
                  f"non-zero cells, {len(table.withheld)} withheld, {len(unsafe_lines(table))} unsafe lines, "
                  f"not_known {not_known:.1%}; "
                  f"kept read {max(reads) * 1000:.0f} ms at most")
    finally:
        await hub.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=38_000)
    parser.add_argument("--postgres", default=None, help="admin URL: also seeds databases hubbench_*")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.people, args.postgres, args.repeats))


if __name__ == "__main__":
    main()

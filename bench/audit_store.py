"""Sustained audit write throughput: ``python -m bench.audit_store [--seconds 3] [--writers 1 16 128]``.

For each store (a SQLite file; PostgreSQL too when ``HUB_TEST_POSTGRES_URL`` is set, on a throwaway
database) and each number of concurrent writers, every writer appends records back to back for the
given time, each waiting for its commit as a request does. Prints records per second and records per
transaction (group commit at work). Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from audit.integrity import verify
from audit.record import AuditEvent
from audit.store import AuditStore
from hub.core.db import create_engine
from hub.core.settings import Settings


def sample_event(n: int) -> AuditEvent:
    return AuditEvent(
        occurred_at=datetime.now(UTC), trace_id=f"{n:032x}", request_id=f"bench-{n}", actor_id=f"user-{n % 50}",
        actor_kind="user", agency="probation", roles=("probation-practitioner",), source_address="127.0.0.1",
        user_agent="bench", purpose="iom", justification="", legal_bases=("CDA 1998 s115",),
        clauses=("PROB-ISA 2.1", "POL-ISA 4.3"), operation_name="Profile", operation_type="query",
        query_hash="ab" * 32, variables_hash="cd" * 32, subjects=(f"H{n % 38000 + 1:08d}",),
        disclosed={"probation": ("ProbationRecord.tier", "ProbationRecord.roshLevel"), "police": ("Arrest.date",)},
        withheld={"Identifiers.nhsNumber": "TRT-ISA 3.2"}, masked={}, outcome="partial",
        error_codes=("FIELD_NOT_SHARED",), latency_ms=4.2, policy_version="bench",
    )


@dataclass(frozen=True)
class Result:
    store: str
    writers: int
    records: int
    seconds: float
    transactions: int

    def line(self) -> str:
        per_tx = self.records / self.transactions if self.transactions else 0.0
        return (f"{self.store:<11} {self.writers:>8} {self.records:>9} {self.records / self.seconds:>12,.0f} "
                f"{per_tx:>10.1f}")


async def measure(settings: Settings, label: str, writers: int, seconds: float) -> Result:
    store = await AuditStore.open(settings)
    counter = 0
    deadline = time.perf_counter() + seconds

    async def writer() -> int:
        nonlocal counter
        done = 0
        while time.perf_counter() < deadline:
            counter += 1
            await store.append(sample_event(counter))
            done += 1
        return done

    try:
        started = time.perf_counter()
        records = sum(await asyncio.gather(*(writer() for _ in range(writers))))
        elapsed = time.perf_counter() - started
        transactions = store.batches
    finally:
        await store.close()
    report = await verify(settings)
    if not report.ok:
        raise SystemExit(f"the trail written by the benchmark does not verify: {report.summary()}")
    return Result(label, writers, records, elapsed, transactions)


async def admin(url: str, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


async def run(seconds: float, writer_counts: list[int]) -> None:
    print(f"{'store':<11} {'writers':>8} {'records':>9} {'records/s':>12} {'per commit':>10}")
    pg_base = os.environ.get("HUB_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory(prefix="hub-audit-bench-") as tmp:
        for writers in writer_counts:
            data_dir = Path(tmp) / f"sqlite-{writers}"
            settings = Settings.from_env({"HUB_DATA_DIR": str(data_dir), "HUB_ENV": "test"})
            print((await measure(settings, "sqlite", writers, seconds)).line(), flush=True)
        if not pg_base:
            print("(PostgreSQL skipped: set HUB_TEST_POSTGRES_URL to include it)")
            return
        for writers in writer_counts:
            name = f"hubbench_audit_{uuid.uuid4().hex[:10]}"
            await admin(pg_base, f'CREATE DATABASE "{name}"')
            try:
                url = make_url(pg_base).set(database=name).render_as_string(hide_password=False)
                base = Settings.from_env({"HUB_DATA_DIR": str(Path(tmp) / f"pg-{writers}"), "HUB_ENV": "test"})
                measured = await measure(base.model_copy(update={"audit_url": url}), "postgresql", writers, seconds)
                print(measured.line(), flush=True)
            finally:
                await admin(pg_base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_store", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each measurement runs")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 16, 128],
                        help="numbers of concurrent writers (requests awaiting their record)")
    args = parser.parse_args()
    asyncio.run(run(args.seconds, args.writers))


if __name__ == "__main__":
    main()

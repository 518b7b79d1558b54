"""Sustained audit write throughput, Merkle tree against the chain alone:
``python -m bench.audit_store [--seconds 3] [--rounds 2] [--writers 1 16 128] [--verify-records N]``.

For each store (a SQLite file; PostgreSQL too when ``HUB_TEST_POSTGRES_URL`` is set, on a throwaway
database) and each number of concurrent writers, every writer appends records back to back for the
given time, each waiting for its commit as a request does. Two stores take turns, round after round,
each on a fresh trail: ``chain`` is the store as it was before the Merkle tree (hash chain and
chain-head signatures only, :class:`ChainOnlyStore`), ``merkle`` today's (tree nodes, C2SP
checkpoints, the witness). Prints records per second, records per transaction (group commit at work)
and merkle ÷ chain over the rounds. Figures only: nothing here asserts on time.

``--verify-records N`` instead writes a trail of N records (big batches) and times ``verify`` on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlalchemy.engine import make_url

from audit.integrity import verify
from audit.keys import ensure_checkpoint_keys
from audit.merkle import CompactRange
from audit.record import GENESIS, AuditEvent, chain_hash
from audit.store import _HEAD, _INSERT_RECORDS, _INSERT_SUBJECTS, AuditStore, _Head, _Pending, _Signed
from audit.tables import audit_checkpoint
from audit.writers import audit_engine
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


class ChainOnlyStore(AuditStore):
    """The baseline: the store's batch as it was before the Merkle tree (chain links, chain-head
    signature every ``checkpoint_every`` records, no tree nodes, no C2SP note, no witness)."""

    def _head(self, conn: Connection) -> _Head:
        row = conn.execute(_HEAD).first()
        return _Head(int(row.seq), str(row.hash), CompactRange()) if row else _Head(0, GENESIS, CompactRange())

    def _append_batch(self, conn: Connection, batch: Sequence[_Pending]) -> tuple[list[int], _Head, _Signed | None]:
        head = self._head(conn)
        seq, prev = head.seq, head.hash
        records: list[dict[str, Any]] = []
        subjects: list[dict[str, Any]] = []
        seqs: list[int] = []
        for item in batch:
            seq += 1
            digest = chain_hash(prev, seq, item.body)
            records.append({**item.columns, "seq": seq, "body": item.body, "prev_hash": prev, "hash": digest})
            subjects += [{"seq": seq, "person_id": person} for person in item.subjects]
            seqs.append(seq)
            prev = digest
        conn.execute(_INSERT_RECORDS, records)
        if subjects:
            conn.execute(_INSERT_SUBJECTS, subjects)
        grown = _Head(seq, prev, head.tree)
        if (seqs[0] - 1) // self.checkpoint_every != seq // self.checkpoint_every:
            return seqs, grown, self._sign(conn, grown)
        return seqs, grown, None

    def _sign(self, conn: Connection, head: _Head) -> _Signed:
        signature = self.keys.sign(head.seq, head.hash)
        conn.execute(insert(audit_checkpoint).values(seq=head.seq, head_hash=head.hash, signed_at=datetime.now(UTC),
                                                     key_id=self.keys.id, signature=signature))
        return _Signed(head.seq, head.hash, signature, "")


@dataclass(frozen=True)
class Result:
    store: str
    variant: str
    writers: int
    records: int
    seconds: float
    transactions: int

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    def line(self) -> str:
        per_tx = self.records / self.transactions if self.transactions else 0.0
        return (f"{self.store:<11} {self.variant:<7} {self.writers:>8} {self.records:>9} {self.rate:>12,.0f} "
                f"{per_tx:>10.1f}")


async def open_store(settings: Settings, variant: str) -> AuditStore:
    if variant == "merkle":
        return await AuditStore.open(settings)
    migrated = await AuditStore.open(settings.model_copy(update={"audit_witness": str(settings.data_dir / "unused")}))
    await migrated.dispose()  # the schema is migrated; the baseline writes without the tree
    return ChainOnlyStore(audit_engine(settings.audit_url), ensure_checkpoint_keys(settings.keys_dir),
                          checkpoint_every=settings.audit_checkpoint_every)


async def measure(settings: Settings, label: str, variant: str, writers: int, seconds: float) -> Result:
    store = await open_store(settings, variant)
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
    if variant == "merkle":
        report = await verify(settings)
        if not report.ok:
            raise SystemExit(f"the trail written by the benchmark does not verify: {report.summary()}")
    return Result(label, variant, writers, records, elapsed, transactions)


async def admin(url: str, sql: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@asynccontextmanager
async def trail(tmp: Path, kind: str, tag: str) -> AsyncIterator[Settings]:
    """Settings on a fresh, empty trail of ``kind`` ("sqlite" or "postgresql")."""
    base = Settings.from_env({"HUB_DATA_DIR": str(tmp / f"{kind}-{tag}"), "HUB_ENV": "test"})
    if kind == "sqlite":
        yield base
        return
    pg_base = os.environ["HUB_TEST_POSTGRES_URL"]
    name = f"hubbench_audit_{uuid.uuid4().hex[:10]}"
    await admin(pg_base, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(pg_base).set(database=name).render_as_string(hide_password=False)
        yield base.model_copy(update={"audit_url": url})
    finally:
        await admin(pg_base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(seconds: float, rounds: int, writer_counts: list[int]) -> None:
    print(f"{'store':<11} {'variant':<7} {'writers':>8} {'records':>9} {'records/s':>12} {'per commit':>10}")
    kinds = ["sqlite", *(["postgresql"] if os.environ.get("HUB_TEST_POSTGRES_URL") else [])]
    summary: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hub-audit-bench-") as tmp:
        for kind in kinds:
            for writers in writer_counts:
                rates: dict[str, list[float]] = {"chain": [], "merkle": []}
                for r in range(rounds):
                    # Alternate which goes first, so neither always meets a warmer machine.
                    for variant in ("chain", "merkle") if r % 2 == 0 else ("merkle", "chain"):
                        async with trail(Path(tmp), kind, f"{variant}-{writers}-{r}") as settings:
                            result = await measure(settings, kind, variant, writers, seconds)
                        print(result.line(), flush=True)
                        rates[variant].append(result.rate)
                chain, merkle = statistics.median(rates["chain"]), statistics.median(rates["merkle"])
                summary.append(f"{kind:<11} {writers:>8} {chain:>12,.0f} {merkle:>12,.0f} {merkle / chain:>8.1%}")
    if "postgresql" not in kinds:
        print("(PostgreSQL skipped: set HUB_TEST_POSTGRES_URL to include it)")
    print(f"\n{'store':<11} {'writers':>8} {'chain/s':>12} {'merkle/s':>12} {'ratio':>8}   (medians over rounds)")
    print("\n".join(summary))


async def verify_time(records: int, kind: str) -> None:
    with tempfile.TemporaryDirectory(prefix="hub-audit-verify-") as tmp:
        async with trail(Path(tmp), kind, "verify") as settings:
            store = await AuditStore.open(settings, batch_max=5000)
            started = time.perf_counter()
            try:
                for start in range(0, records, 20_000):
                    await asyncio.gather(*(store.append(sample_event(n))
                                           for n in range(start, min(records, start + 20_000))))
            finally:
                await store.close()
            print(f"{kind}: wrote {records:,} records in {time.perf_counter() - started:,.1f} s", flush=True)
            started = time.perf_counter()
            report = await verify(settings)
            elapsed = time.perf_counter() - started
            print(report.summary())
            print(f"{kind}: verified {report.records:,} records in {elapsed:,.1f} s "
                  f"({report.records / elapsed:,.0f} records/s)")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit_store", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each measurement runs")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each variant per configuration")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 16, 128],
                        help="numbers of concurrent writers (requests awaiting their record)")
    parser.add_argument("--verify-records", type=int, help="time verification of a trail of this many records")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite",
                        help="with --verify-records: where the trail is written")
    args = parser.parse_args()
    if args.verify_records:
        asyncio.run(verify_time(args.verify_records, args.store))
    else:
        asyncio.run(run(args.seconds, args.rounds, args.writers))


if __name__ == "__main__":
    main()

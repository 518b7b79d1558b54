"""Verifying the trail: every link of the chain, every indexed copy, every signed checkpoint.

Detected, naming the first bad sequence number:

- a record edited: its stored body no longer hashes to its stored hash, or an indexed copy
  (actor, agency, roles, purpose, outcome, time, subjects) no longer matches the body;
- a record deleted: a gap in the sequence;
- a record inserted or records reordered: a ``prev_hash`` that is not the previous record's hash;
- a checkpoint whose Ed25519 signature fails, or whose signed head hash is not the hash of the record
  at its seq (history was rewritten with recomputed hashes), or whose record is gone (the end of the
  trail was cut off).

Not detectable: records rewritten, removed or added *after the last checkpoint* by someone who
recomputes the hashes (nothing signed covers them yet). Truncation is therefore detectable only up to
the last checkpoint; the store signs every ``HUB_AUDIT_CHECKPOINT_EVERY`` records and on shutdown,
and logs each signed head (``hub.audit``) so a copy lives outside the database. Deleting checkpoint
rows and rewriting the chain behind them is found only by comparing with those logged heads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.keys import CheckpointKeys, load_checkpoint_keys
from audit.record import GENESIS, chain_hash, utc_text
from audit.store import AuditStore, audit_engine
from audit.tables import WIDTHS, as_utc, audit_checkpoint, audit_record, audit_subject, review_columns
from hub.core.db import is_sqlite
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings

PAGE = 5000


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    records: int
    checkpoints: int
    first_bad_seq: int | None
    problem: str | None
    head_seq: int = 0
    head_hash: str = GENESIS

    def summary(self) -> str:
        if self.ok:
            return (f"audit trail intact: {self.records} records, {self.checkpoints} signed checkpoints, "
                    f"head {self.head_seq} {self.head_hash[:16]}")
        return f"audit trail NOT intact: first bad sequence number: {self.first_bad_seq}\nproblem: {self.problem}"


class _Bad(Exception):
    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(problem)
        self.seq = seq
        self.problem = problem


async def verify(source: Settings | AuditStore | AsyncEngine, keys: CheckpointKeys | None = None) -> IntegrityReport:
    """Check the whole trail. ``source`` is the hub's settings (read-only: no key is generated), an open
    store, or an engine on the store (then pass the checkpoint ``keys``)."""
    if isinstance(source, AuditStore):
        return await _verify(source.engine, keys or source.keys)
    if isinstance(source, AsyncEngine):
        return await _verify(source, keys)
    require_trail(source.audit_url)
    engine = audit_engine(source.audit_url)
    try:
        async with engine.connect() as conn:
            if not await conn.run_sync(lambda c: inspect(c).has_table(audit_record.name)):
                raise ConfigurationError("the audit database holds no audit trail")
        return await _verify(engine, keys or load_checkpoint_keys(source.keys_dir))
    finally:
        await engine.dispose()


def require_trail(url: str) -> None:
    """Reading must not create an empty SQLite file where the trail was expected."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).exists():
            raise ConfigurationError("no audit trail at the configured audit URL (the SQLite file does not exist)")


async def _verify(engine: AsyncEngine, keys: CheckpointKeys | None) -> IntegrityReport:
    state = _Walk()
    async with engine.connect() as conn:
        if engine.dialect.name != "sqlite":  # one snapshot, so records appended meanwhile are not half seen
            await conn.execution_options(isolation_level="REPEATABLE READ")
        checkpoints = (await conn.execute(select(audit_checkpoint).order_by(audit_checkpoint.c.id))).all()
        signed = {int(cp.seq) for cp in checkpoints}
        try:
            await state.walk(conn, signed)
        except _Bad as bad:
            return IntegrityReport(False, state.records, 0, bad.seq, bad.problem, state.seq, state.prev)
    for n, cp in enumerate(checkpoints):
        problem = _checkpoint_problem(cp, keys, state.signed_hashes)
        if problem:
            return IntegrityReport(False, state.records, n, int(cp.seq), problem, state.seq, state.prev)
    return IntegrityReport(True, state.records, len(checkpoints), None, None, state.seq, state.prev)


def _checkpoint_problem(cp: Any, keys: CheckpointKeys | None, hashes: dict[int, str]) -> str | None:
    seq = int(cp.seq)
    if keys is None:
        return f"checkpoint {cp.id} cannot be checked: no audit-public.pem in the keys folder"
    if not keys.verifies(seq, cp.head_hash, cp.signature):
        return (f"checkpoint {cp.id}'s signature does not verify (signed by key {cp.key_id}, "
                f"this trail's key is {keys.id})")
    if seq not in hashes:
        return f"checkpoint {cp.id} signed record {seq}, which is gone (records were removed from the end)"
    if hashes[seq] != cp.head_hash:
        return f"checkpoint {cp.id} signed a different chain up to record {seq} (history was rewritten)"
    return None


class _Walk:
    """Walks the records in seq order, page by page, keeping only the hashes at checkpointed seqs."""

    def __init__(self) -> None:
        self.seq = 0
        self.prev = GENESIS
        self.records = 0
        self.signed_hashes: dict[int, str] = {}

    async def walk(self, conn: AsyncConnection, signed: set[int]) -> None:
        while True:
            rows = (await conn.execute(select(audit_record).where(audit_record.c.seq > self.seq)
                                       .order_by(audit_record.c.seq).limit(PAGE))).all()
            if not rows:
                break
            subjects: dict[int, set[str]] = {}
            for s in (await conn.execute(select(audit_subject.c.seq, audit_subject.c.person_id).where(
                    audit_subject.c.seq > self.seq, audit_subject.c.seq <= int(rows[-1].seq)))).all():
                subjects.setdefault(int(s.seq), set()).add(s.person_id)
            for row in rows:
                self.check(row, subjects.get(int(row.seq), set()))
                if self.seq in signed:
                    self.signed_hashes[self.seq] = self.prev
        orphan = (await conn.execute(select(audit_subject.c.seq).where(audit_subject.c.seq > self.seq)
                                     .order_by(audit_subject.c.seq).limit(1))).scalar()
        if orphan is not None:
            raise _Bad(int(orphan), f"subject entries exist for record {orphan}, which does not exist")

    def check(self, row: Any, subjects: set[str]) -> None:
        seq, expected = int(row.seq), self.seq + 1
        if seq != expected:
            raise _Bad(expected, f"record {expected} is missing (the next stored record is {seq})")
        if row.prev_hash != self.prev:
            raise _Bad(seq, "its link to the previous record is broken (a record was inserted, removed or reordered)")
        if chain_hash(self.prev, seq, row.body) != row.hash:
            raise _Bad(seq, "its content does not match its hash (the record was edited)")
        try:
            data = json.loads(row.body)
            copies = review_columns(data)
            listed = set(data["subjects"])
        except (ValueError, KeyError, TypeError) as exc:
            raise _Bad(seq, f"its body is not an audit record ({type(exc).__name__})") from exc
        changed = [k for k in (*WIDTHS, "roles") if getattr(row, k) != copies[k]]
        if utc_text(as_utc(row.occurred_at)) != utc_text(copies["occurred_at"]):
            changed.append("occurred_at")
        if changed:
            raise _Bad(seq, f"column(s) {', '.join(changed)} differ from the hashed record (the record was edited)")
        if subjects != listed:
            raise _Bad(seq, "its subject index differs from the hashed record (the record was edited)")
        self.seq, self.prev = seq, row.hash
        self.records += 1

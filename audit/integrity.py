"""Verifying the trail: every link of the chain, every indexed copy, the Merkle tree, every signed
checkpoint, and the witness's copies of them.

Detected, naming the first bad sequence number:

- a record edited: its stored body no longer hashes to its stored hash, or an indexed copy
  (actor, agency, roles, purpose, outcome, time, subjects) no longer matches the body;
- a record deleted: a gap in the sequence;
- a record inserted or records reordered: a ``prev_hash`` that is not the previous record's hash;
- a stored tree node that is not the root of its records (the index proofs are built from);
- a checkpoint whose Ed25519 signatures fail (chain head and C2SP checkpoint), or whose signed head
  hash or tree root is not that of the records up to its seq (history was rewritten with recomputed
  hashes), or whose record is gone (the end of the trail was cut off);
- against the witness, outside the database: a witnessed checkpoint of a larger tree than the store
  holds (records removed from the end, checkpoint rows with them), or whose root the stored records
  no longer hash to (a rewrite with recomputed hashes and re-signed checkpoints, by someone holding
  the signing key on the hub's host).

Without the witness, records rewritten, removed or added after the last checkpoint by someone who
recomputes the hashes (and deletes or re-signs checkpoint rows) go unseen: nothing outside the
database holds what was signed. With it, only what was written since the last *witnessed* checkpoint
(at most ``HUB_AUDIT_CHECKPOINT_SECONDS`` or ``HUB_AUDIT_CHECKPOINT_EVERY`` records) is so exposed.

One pass over the records in seq order: time linear in the trail, memory in the stored nodes.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.keys import CheckpointKeys, load_checkpoint_keys
from audit.merkle import CompactRange, leaf_hash
from audit.record import GENESIS, chain_hash, utc_text
from audit.store import AuditStore, audit_engine
from audit.tables import (
    STORED_LEVEL,
    WIDTHS,
    as_utc,
    audit_checkpoint,
    audit_record,
    audit_subject,
    audit_tree_node,
    review_columns,
)
from audit.verify_proof import Checkpoint, ProofError
from audit.witness import Witness, witness_for
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
    #: the RFC 6962 root of the records (hex)
    tree_root: str = ""
    #: checkpoints found at the witness, and where it is (None: no witness was consulted)
    witnessed: int = 0
    witness: str | None = None

    def summary(self) -> str:
        if self.ok:
            seen = (f"; witness {self.witness}: {self.witnessed} checkpoints, all consistent"
                    if self.witness is not None else "; no witness consulted")
            return (f"audit trail intact: {self.records} records, {self.checkpoints} signed checkpoints, "
                    f"head {self.head_seq} {self.head_hash[:16]}, tree root {self.tree_root[:16]}{seen}")
        return f"audit trail NOT intact: first bad sequence number: {self.first_bad_seq}\nproblem: {self.problem}"


class _Bad(Exception):
    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(problem)
        self.seq = seq
        self.problem = problem


async def verify(source: Settings | AuditStore | AsyncEngine, keys: CheckpointKeys | None = None, *,
                 witness: Witness | None = None) -> IntegrityReport:
    """Check the whole trail. ``source`` is the hub's settings (read-only: no key is generated), an open
    store, or an engine on the store (then pass the checkpoint ``keys``, and the ``witness`` if any).
    Settings and a store bring their witness."""
    if isinstance(source, AuditStore):
        return await _verify(source.engine, keys or source.keys, witness or source.witness)
    if isinstance(source, AsyncEngine):
        return await _verify(source, keys, witness)
    require_trail(source.audit_url)
    engine = audit_engine(source.audit_url)
    try:
        async with engine.connect() as conn:
            if not await conn.run_sync(lambda c: inspect(c).has_table(audit_record.name)):
                raise ConfigurationError("the audit database holds no audit trail")
        return await _verify(engine, keys or load_checkpoint_keys(source.keys_dir), witness or witness_for(source))
    finally:
        await engine.dispose()


def require_trail(url: str) -> None:
    """Reading must not create an empty SQLite file where the trail was expected."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:" and not Path(database).exists():
            raise ConfigurationError("no audit trail at the configured audit URL (the SQLite file does not exist)")


async def _verify(engine: AsyncEngine, keys: CheckpointKeys | None, witness: Witness | None) -> IntegrityReport:
    state = _Walk()
    # The witness first: whatever it holds was committed before it was published, so the snapshot
    # read next holds those records too (read the other way round, a new checkpoint would look like
    # a cut).
    witnessed = await asyncio.to_thread(witness.checkpoints) if witness is not None else []
    where = witness.where if witness is not None else None

    def report(ok: bool, checkpoints: int, bad: int | None = None, problem: str | None = None) -> IntegrityReport:
        return IntegrityReport(ok, state.records, checkpoints, bad, problem, state.seq, state.prev,
                               state.tree.root().hex(), len(witnessed), where)

    async with engine.connect() as conn:
        if engine.dialect.name != "sqlite":  # one snapshot, so records appended meanwhile are not half seen
            await conn.execution_options(isolation_level="REPEATABLE READ")
        checkpoints = (await conn.execute(select(audit_checkpoint).order_by(audit_checkpoint.c.id))).all()
        signed = {int(cp.seq) for cp in checkpoints} | {_claimed_size(note) for note in witnessed}
        try:
            await state.walk(conn, signed)
        except _Bad as bad:
            return report(False, 0, bad.seq, bad.problem)
    for n, cp in enumerate(checkpoints):
        problem = _checkpoint_problem(cp, keys, state.signed_hashes, state.roots)
        if problem:
            return report(False, n, int(cp.seq), problem)
    for note in witnessed:
        if keys is None:
            return report(False, len(checkpoints), None, "the witness cannot be checked: no audit-public.pem")
        try:
            head = keys.open_note(note)
        except ProofError as exc:
            return report(False, len(checkpoints), None,
                          f"a checkpoint at the witness does not verify under this trail's key: {exc}")
        if head.size > state.seq:
            return report(False, len(checkpoints), state.seq + 1,
                          f"the witness holds a signed checkpoint of {head.size} records, the store only "
                          f"{state.seq}: records were removed from the end")
        if head.size and state.roots[head.size] != head.root:
            return report(False, len(checkpoints), head.size,
                          f"the witness's signed checkpoint of {head.size} records has another tree root than "
                          f"the stored records: the trail was rewritten (hashes recomputed)")
    return report(True, len(checkpoints))


def _claimed_size(note: str) -> int:
    """The tree size a checkpoint states (its second line), read before its signature is checked."""
    lines = note.split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else 0


def _checkpoint_problem(cp: Any, keys: CheckpointKeys | None, hashes: dict[int, str],
                        roots: dict[int, bytes]) -> str | None:
    seq = int(cp.seq)
    if keys is None:
        return f"checkpoint {cp.id} cannot be checked: no audit-public.pem in the keys folder"
    if not keys.verifies(seq, cp.head_hash, cp.signature):
        return (f"checkpoint {cp.id}'s signature does not verify (signed by key {cp.key_id}, "
                f"this trail's key is {keys.id})")
    head: Checkpoint | None = None
    if cp.note is not None:
        try:
            head = keys.open_note(cp.note)
        except ProofError as exc:
            return f"checkpoint {cp.id}'s signed tree head does not verify: {exc}"
        if head.size != seq or head.root.hex() != cp.root_hash:
            return f"checkpoint {cp.id}'s signed tree head is not the one its row records"
    if seq not in hashes:
        return f"checkpoint {cp.id} signed record {seq}, which is gone (records were removed from the end)"
    if hashes[seq] != cp.head_hash or (head is not None and roots[seq] != head.root):
        return f"checkpoint {cp.id} signed a different chain up to record {seq} (history was rewritten)"
    return None


class _Walk:
    """Walks the records in seq order, page by page, keeping only the hashes at checkpointed seqs."""

    def __init__(self) -> None:
        self.seq = 0
        self.prev = GENESIS
        self.records = 0
        self.signed_hashes: dict[int, str] = {}
        self.tree = CompactRange()
        self.roots: dict[int, bytes] = {}
        self.nodes: dict[tuple[int, int], str] = {}

    async def walk(self, conn: AsyncConnection, signed: set[int]) -> None:
        self.nodes = {(int(n.level), int(n.idx)): str(n.hash) for n in (await conn.execute(select(audit_tree_node)))}
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
                    self.roots[self.seq] = self.tree.root()
        orphan = (await conn.execute(select(audit_subject.c.seq).where(audit_subject.c.seq > self.seq)
                                     .order_by(audit_subject.c.seq).limit(1))).scalar()
        if orphan is not None:
            raise _Bad(int(orphan), f"subject entries exist for record {orphan}, which does not exist")
        if self.nodes:
            level, idx = min(self.nodes, key=lambda k: k[1] << k[0])
            raise _Bad((idx << level) + 1, f"a stored tree node covers records {(idx << level) + 1} to "
                                           f"{(idx + 1) << level}, which do not all exist")

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
        for node in self.tree.append(leaf_hash(row.body), STORED_LEVEL):
            if self.nodes.pop((node.level, node.index), None) != node.hash.hex():
                raise _Bad(seq, f"the stored tree node for records {(node.index << node.level) + 1} to {seq} is "
                                "missing or is not their root (the tree was altered)")
        self.seq, self.prev = seq, row.hash
        self.records += 1

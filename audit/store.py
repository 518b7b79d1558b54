"""The audit store: an append-only hash chain and Merkle tree with group commit, signed and witnessed checkpoints.

``append`` queues the event and waits. One writer task per store takes everything queued, writes it
in one transaction and resolves every waiter once that transaction has committed: a response is
released only after its record is durable, yet a burst of requests costs one commit.

Several processes (workers, replicas) may share one PostgreSQL trail. Each batch transaction first
takes a transaction-scoped advisory lock, then reads the head (last seq and hash) inside the lock,
so the batches of every writer form one chain. On SQLite, ``BEGIN IMMEDIATE`` takes the database's
write lock before the head is read, to the same effect.

Each writing transaction is one plain function of a synchronous connection (:mod:`audit.writers`
runs it): on SQLite in a dedicated thread, so a record costs one thread hop instead of one per
statement (the difference between 1.5 ms and 0.5 ms a record); on PostgreSQL through asyncpg.

Fail closed: if a batch fails, every waiter gets :class:`AuditWriteFailed` (their requests answer
503) and nothing of the batch is kept, because the transaction rolls back as a whole.

Each record is also a leaf of an RFC 6962 Merkle tree (:mod:`audit.merkle`). The store keeps the
tree's compact range in memory, keyed by the head it belongs to, so a batch hashes only its own
records; the batch writes the subtree roots it completes (:mod:`audit.tree`). Another process's
batch changes the head: the range is then rebuilt from stored nodes and at most 63 records.

Checkpoints (every ``checkpoint_every`` records, every ``HUB_AUDIT_CHECKPOINT_SECONDS`` while the
trail grows, and at close) sign the chain's head and a C2SP checkpoint of the tree; each is then
given to the witness (:mod:`audit.witness`), outside the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.keys import CheckpointKeys, ensure_checkpoint_keys
from audit.merkle import CompactRange, Node, leaf_hash
from audit.record import GENESIS, AuditEvent, chain_hash, encode, event_data
from audit.sanitise import sanitised
from audit.tables import (
    MAX_SUBJECT,
    STORED_LEVEL,
    audit_checkpoint,
    audit_probe,
    audit_record,
    audit_subject,
    review_columns,
    roles_column,
)
from audit.tree import StoredTree, store_nodes
from audit.witness import Witness, witness_for
from audit.writers import ADVISORY_LOCK_KEY, ChainWriter, audit_engine, chain_writer
from hub.core.errors import AuditUnavailable
from hub.core.migrations import require_head, upgrade_on
from hub.core.settings import Settings

__all__ = ["ADVISORY_LOCK_KEY", "AuditStore", "AuditWriteFailed", "audit_engine", "roles_column"]

log = logging.getLogger("hub.audit")


# Built once: a statement object made per batch costs its cache key again every time (50 us a batch).
_HEAD = select(audit_record.c.seq, audit_record.c.hash).order_by(audit_record.c.seq.desc()).limit(1)
_INSERT_RECORDS = insert(audit_record)
_INSERT_SUBJECTS = insert(audit_subject)


class AuditWriteFailed(AuditUnavailable):
    """The record was not committed (its whole batch rolled back); nothing may be disclosed."""


@dataclass(frozen=True)
class _Head:
    """The chain's last record and the tree's compact range up to it."""

    seq: int
    hash: str
    tree: CompactRange


@dataclass(frozen=True)
class _Signed:
    seq: int
    head_hash: str
    signature: str
    note: str


@dataclass(frozen=True)
class _Pending:
    body: str
    columns: dict[str, Any]
    subjects: tuple[str, ...]
    future: asyncio.Future[int]


class AuditStore:
    def __init__(self, engine: AsyncEngine, keys: CheckpointKeys, *, checkpoint_every: int,
                 batch_max: int = 500, witness: Witness | None = None) -> None:
        self.engine = engine  # reads; writes go through self.writer
        self.writer: ChainWriter = chain_writer(engine)
        self.keys = keys
        self.witness = witness
        self.checkpoint_every = max(1, checkpoint_every)
        self.batch_max = max(1, batch_max)
        self._queue: list[_Pending] = []
        self._inflight: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self._head_cache: _Head | None = None
        self._timer: asyncio.Task[None] | None = None
        self._witnessed: str | None = None  # the last note this store handed to the witness
        self._witnessing: asyncio.Task[None] | None = None  # the latest hand-over; each waits for the one before
        #: committed batch transactions: group commit shows as fewer of these than records
        self.batches = 0

    @classmethod
    async def open(cls, settings: Settings, *, batch_max: int = 500) -> AuditStore:
        """Open the store at ``settings.audit_url``, creating its tables and its signing key if missing."""
        keys = ensure_checkpoint_keys(settings.keys_dir)
        store = cls(audit_engine(settings.audit_url), keys, checkpoint_every=settings.audit_checkpoint_every,
                    batch_max=batch_max, witness=witness_for(settings))
        try:
            # Under the trail's write lock: workers starting together migrate it once.
            await store.writer.run(partial(upgrade_on if settings.migrate_on_start else require_head, store="audit"))
        except Exception:
            await store.dispose()
            raise
        return store

    @property
    def sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def append(self, event: AuditEvent) -> int:
        """The record's sequence number, once it is committed; raises :class:`AuditWriteFailed` if it was not."""
        if self._closed:
            raise AuditWriteFailed("the audit store is closed")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append(self._prepare(event, future))  # a malformed event fails here, alone
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="audit-writer")
            self._writer.add_done_callback(self._writer_stopped)
        return await future

    def _writer_stopped(self, task: asyncio.Task[None]) -> None:
        # A writer cancelled (shutdown) or broken, even before it ran: nobody may wait forever for a record.
        if task.cancelled() or task.exception() is not None:
            stranded, self._inflight, self._queue = [*self._inflight, *self._queue], [], []
            self._fail(stranded, "the audit writer stopped")

    @staticmethod
    def _prepare(event: AuditEvent, future: asyncio.Future[int]) -> _Pending:
        try:
            data = event_data(sanitised(event))  # free text escaped and bounded, whoever built the event
            body = encode(data)
            columns = review_columns(data)
        except (TypeError, ValueError, AttributeError) as exc:
            raise AuditWriteFailed(f"the audit event cannot be encoded: {type(exc).__name__}") from exc
        subjects = tuple(dict.fromkeys(data["subjects"]))
        if any(len(s) > MAX_SUBJECT for s in subjects):
            raise AuditWriteFailed(f"a subject id is longer than {MAX_SUBJECT} characters")
        return _Pending(body, columns, subjects, future)

    async def _write_loop(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.batch_max], self._queue[self.batch_max:]
            self._inflight = batch  # left set if cancelled mid-commit, for _writer_stopped to fail
            try:
                seqs = await self._commit(batch)
            except Exception as exc:
                log.error("audit batch of %d records failed: %s", len(batch), type(exc).__name__)
                self._inflight = []
                self._fail(batch, f"audit write failed: {type(exc).__name__}")
                continue
            self._inflight = []
            for item, seq in zip(batch, seqs, strict=True):
                if not item.future.done():  # a waiter may have been cancelled; its record stays written
                    item.future.set_result(seq)

    @staticmethod
    def _fail(items: Sequence[_Pending], reason: str) -> None:
        for item in items:
            if not item.future.done():
                item.future.set_exception(AuditWriteFailed(reason))

    def _head(self, conn: Connection) -> _Head:
        """The head, read inside the writing transaction; the cached tree if it is this head's."""
        row = conn.execute(_HEAD).first()
        seq, digest = (int(row.seq), str(row.hash)) if row else (0, GENESIS)
        cached = self._head_cache
        if cached is not None and cached.seq == seq and cached.hash == digest:
            return cached
        return _Head(seq, digest, StoredTree(conn).compact_range(seq))

    def _remember(self, head: _Head) -> None:
        # Only after the commit, and never moving back: a stale head is harmless (it is keyed), just slower.
        if self._head_cache is None or head.seq >= self._head_cache.seq:
            self._head_cache = head

    async def _commit(self, batch: Sequence[_Pending]) -> list[int]:
        seqs, head, signed = await self.writer.run(lambda conn: self._append_batch(conn, batch))
        self.batches += 1
        self._remember(head)
        if signed:
            self._publish(signed)  # not awaited: the next batch need not wait for the witness's storage
        return seqs

    def _append_batch(self, conn: Connection, batch: Sequence[_Pending]) -> tuple[list[int], _Head, _Signed | None]:
        """Chain the batch onto the head and grow the tree; signed if a checkpoint fell due."""
        head = self._head(conn)
        seq, prev, tree = head.seq, head.hash, head.tree.copy()
        records: list[dict[str, Any]] = []
        subjects: list[dict[str, Any]] = []
        nodes: list[Node] = []
        seqs: list[int] = []
        for item in batch:
            seq += 1
            digest = chain_hash(prev, seq, item.body)
            records.append({**item.columns, "seq": seq, "body": item.body, "prev_hash": prev, "hash": digest})
            subjects += [{"seq": seq, "person_id": person} for person in item.subjects]
            nodes += tree.append(leaf_hash(item.body), STORED_LEVEL)
            seqs.append(seq)
            prev = digest
        conn.execute(_INSERT_RECORDS, records)
        if subjects:
            conn.execute(_INSERT_SUBJECTS, subjects)
        store_nodes(conn, nodes)
        grown = _Head(seq, prev, tree)
        if (seqs[0] - 1) // self.checkpoint_every != seq // self.checkpoint_every:
            return seqs, grown, self._sign(conn, grown)  # this batch crossed a multiple of checkpoint_every
        return seqs, grown, None

    def _sign(self, conn: Connection, head: _Head) -> _Signed:
        root = head.tree.root()
        signed = _Signed(head.seq, head.hash, self.keys.sign(head.seq, head.hash),
                         self.keys.checkpoint_note(head.seq, root))
        conn.execute(insert(audit_checkpoint).values(
            seq=head.seq, head_hash=head.hash, signed_at=datetime.now(UTC), key_id=self.keys.id,
            signature=signed.signature, root_hash=root.hex(), note=signed.note))
        return signed

    def _publish(self, signed: _Signed) -> asyncio.Task[None]:
        """A copy of every signed head outside the database: the log line now, the witness in order."""
        log.info("audit checkpoint signed", extra={"audit_seq": signed.seq, "audit_head_hash": signed.head_hash,
                                                   "audit_key_id": self.keys.id, "audit_signature": signed.signature,
                                                   "audit_checkpoint": signed.note})
        before = self._witnessing

        async def hand_over() -> None:
            if before is not None:
                await before  # never raises: _witness logs its failures
            await self._witness(signed.note, signed.seq)

        self._witnessing = asyncio.create_task(hand_over(), name="audit-witness")
        return self._witnessing

    async def _witness(self, note: str, size: int) -> None:
        """Hand ``note`` to the witness; a failure is logged and retried at the next timer tick."""
        if self.witness is None or note == self._witnessed:
            return
        try:
            await asyncio.to_thread(self.witness.publish, note, size)
        except Exception as exc:
            log.error("audit checkpoint %d not witnessed: %s", size, type(exc).__name__)
            return
        self._witnessed = note

    async def checkpoint(self) -> int | None:
        """Sign the current head now unless it is signed already; its seq, or None for an empty trail."""

        def sign_head(conn: Connection) -> tuple[_Head, _Signed | None]:
            head = self._head(conn)
            if head.seq == 0 or conn.execute(select(func.max(audit_checkpoint.c.seq))).scalar() == head.seq:
                return head, None
            return head, self._sign(conn, head)

        head, signed = await self.writer.run(sign_head)
        self._remember(head)
        if signed:
            await self._publish(signed)
        elif self._witnessing is not None:
            await self._witnessing  # whatever was signed before is witnessed once this returns
        return head.seq or None

    async def witness_latest(self) -> None:
        """Make sure the witness holds the latest signed checkpoint (whichever process signed it)."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(audit_checkpoint.c.seq, audit_checkpoint.c.note)
                                      .where(audit_checkpoint.c.note.is_not(None))
                                      .order_by(audit_checkpoint.c.id.desc()).limit(1))).first()
        if row is not None:
            await self._witness(str(row.note), int(row.seq))

    def start_timer(self, seconds: float) -> None:
        """Checkpoint every ``seconds`` while the trail grows, traffic or not; the first tick also makes
        sure the witness holds the latest checkpoint (one signed before a restart, say)."""
        if self._timer is None and seconds > 0:
            self._timer = asyncio.create_task(self._tick(seconds), name="audit-checkpoints")

    async def _tick(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.checkpoint()
                await self.witness_latest()
            except Exception as exc:  # the next tick tries again; records keep being written meanwhile
                log.error("periodic audit checkpoint failed: %s", type(exc).__name__)

    async def _stop_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    async def health(self) -> bool:
        """Whether a record could be written now: takes the write lock, writes a probe row, rolls back."""
        if self._closed:
            return False

        def probe(conn: Connection) -> None:
            conn.execute(insert(audit_probe).values(id=1))
            conn.rollback()

        try:
            await self.writer.run(probe)
        except Exception as exc:
            log.warning("audit store not writable: %s", type(exc).__name__)
            return False
        return True

    async def flush(self) -> None:
        """Wait until everything queued so far is committed (or has failed)."""
        while (writer := self._writer) is not None and not writer.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(writer)

    async def close(self) -> None:
        """Refuse new records, commit pending ones, sign and witness the head, release the database."""
        if self._closed:
            return
        self._closed = True
        await self._stop_timer()
        await self.flush()
        try:
            await self.checkpoint()
            await self.witness_latest()
        except Exception as exc:
            log.error("closing checkpoint not written: %s", type(exc).__name__)
        await self.dispose()

    async def dispose(self) -> None:
        await self._stop_timer()
        await self.writer.dispose()
        await self.engine.dispose()

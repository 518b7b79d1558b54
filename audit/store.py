"""The audit store: an append-only hash chain with group commit and signed checkpoints.

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
from audit.record import GENESIS, AuditEvent, chain_hash, encode, event_data
from audit.sanitise import sanitised
from audit.tables import (
    MAX_SUBJECT,
    audit_checkpoint,
    audit_probe,
    audit_record,
    audit_subject,
    review_columns,
    roles_column,
)
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
class _Pending:
    body: str
    columns: dict[str, Any]
    subjects: tuple[str, ...]
    future: asyncio.Future[int]


class AuditStore:
    def __init__(self, engine: AsyncEngine, keys: CheckpointKeys, *, checkpoint_every: int,
                 batch_max: int = 500) -> None:
        self.engine = engine  # reads; writes go through self.writer
        self.writer: ChainWriter = chain_writer(engine)
        self.keys = keys
        self.checkpoint_every = max(1, checkpoint_every)
        self.batch_max = max(1, batch_max)
        self._queue: list[_Pending] = []
        self._inflight: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        #: committed batch transactions: group commit shows as fewer of these than records
        self.batches = 0

    @classmethod
    async def open(cls, settings: Settings, *, batch_max: int = 500) -> AuditStore:
        """Open the store at ``settings.audit_url``, creating its tables and its signing key if missing."""
        keys = ensure_checkpoint_keys(settings.keys_dir)
        store = cls(audit_engine(settings.audit_url), keys, checkpoint_every=settings.audit_checkpoint_every,
                    batch_max=batch_max)
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

    @staticmethod
    def _head(conn: Connection) -> tuple[int, str]:
        row = conn.execute(_HEAD).first()
        return (int(row.seq), str(row.hash)) if row else (0, GENESIS)

    async def _commit(self, batch: Sequence[_Pending]) -> list[int]:
        seqs, signature = await self.writer.run(lambda conn: self._append_batch(conn, batch))
        self.batches += 1
        if signature:
            self._log_checkpoint(seqs[-1], signature[0], signature[1])
        return seqs

    def _append_batch(self, conn: Connection, batch: Sequence[_Pending]) -> tuple[list[int], tuple[str, str] | None]:
        """Chain the batch onto the head; with the new head's hash and signature if a checkpoint fell due."""
        seq, prev = self._head(conn)
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
        if (seqs[0] - 1) // self.checkpoint_every != seq // self.checkpoint_every:
            return seqs, (prev, self._sign(conn, seq, prev))  # this batch crossed a multiple of checkpoint_every
        return seqs, None

    def _sign(self, conn: Connection, seq: int, head_hash: str) -> str:
        signature = self.keys.sign(seq, head_hash)
        conn.execute(insert(audit_checkpoint).values(
            seq=seq, head_hash=head_hash, signed_at=datetime.now(UTC), key_id=self.keys.id, signature=signature))
        return signature

    def _log_checkpoint(self, seq: int, head_hash: str, signature: str) -> None:
        # A copy of every signed head outside the database: the evidence if checkpoint rows are deleted.
        log.info("audit checkpoint signed", extra={"audit_seq": seq, "audit_head_hash": head_hash,
                                                   "audit_key_id": self.keys.id, "audit_signature": signature})

    async def checkpoint(self) -> int | None:
        """Sign the current head now unless it is signed already; its seq, or None for an empty trail."""

        def sign_head(conn: Connection) -> tuple[int, str, str | None]:
            seq, head = self._head(conn)
            if seq == 0 or conn.execute(select(func.max(audit_checkpoint.c.seq))).scalar() == seq:
                return seq, head, None
            return seq, head, self._sign(conn, seq, head)

        seq, head, signature = await self.writer.run(sign_head)
        if signature:
            self._log_checkpoint(seq, head, signature)
        return seq or None

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
        """Refuse new records, commit pending ones, sign the head, release the database."""
        if self._closed:
            return
        self._closed = True
        await self.flush()
        try:
            await self.checkpoint()
        except Exception as exc:
            log.error("closing checkpoint not written: %s", type(exc).__name__)
        await self.dispose()

    async def dispose(self) -> None:
        await self.writer.dispose()
        await self.engine.dispose()

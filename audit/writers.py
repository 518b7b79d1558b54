"""Where the audit chain's writing transactions run, holding the trail's write lock.

A writing transaction is a plain function of a synchronous :class:`~sqlalchemy.Connection`, so the
chain logic is written once. How it runs depends on the database:

- SQLite: a synchronous engine, in the event loop's thread when the write lock is free at once,
  otherwise in one dedicated thread that waits for it. Through aiosqlite every statement would be
  its own hop to the driver's thread (about 0.25 ms each, six per batch); here a batch is at most
  one. ``BEGIN IMMEDIATE`` takes the database's write lock before the head is read.
- PostgreSQL: the async engine's connection via ``run_sync``; the transaction first takes an
  advisory lock shared by every process that writes the trail.

Either way the transaction commits or rolls back as a whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.db import create_engine, is_sqlite

__all__ = ["ADVISORY_LOCK_KEY", "ChainWriter", "audit_engine", "chain_writer"]

T = TypeVar("T")

#: Any constant will do, as long as every hub process locks the same one before extending the chain.
ADVISORY_LOCK_KEY = 0x6875625F61756474  # "hub_audt"
#: How long a batch waits for another process's batch before failing (and its requests answering 503).
LOCK_TIMEOUT = "10s"
SQLITE_BUSY_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions itself: transactions begin explicitly (IMMEDIATE to write).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a committed record survives power loss, not just a crash
    cursor.close()


def audit_engine(url: str) -> AsyncEngine:
    """An engine for reading the audit store (and, on PostgreSQL, writing it). Readers never lock."""
    engine = create_engine(url)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    return engine


class ChainWriter(Protocol):
    #: the engines whose commits are the trail's writes (for instrumentation and tests)
    engines: tuple[Engine, ...]

    async def run(self, transaction: Callable[[Connection], T]) -> T:
        """Run ``transaction`` inside a transaction holding the trail's write lock; commit unless it raises."""
        ...

    async def dispose(self) -> None: ...


def _sqlite_writer(engine: AsyncEngine, *, wait: bool) -> Engine:
    sync = create_sync_engine(engine.url.set(drivername="sqlite"), hide_parameters=True, pool_size=1,
                              max_overflow=0)
    event.listen(sync, "connect", _sqlite_pragmas)
    if not wait:  # fail at once when another connection holds the write lock, instead of blocking the loop
        event.listen(sync, "connect", lambda dbapi_connection, _record: dbapi_connection.execute(
            "PRAGMA busy_timeout=0"))
    event.listen(sync, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return sync


class _LockBusy(Exception):
    """Another connection holds the write lock: nothing was done, try the waiting path."""


class ThreadChainWriter:
    """SQLite: each batch first tries to write in the event loop's own thread, then in a writer thread.

    A batch that finds the write lock free (the usual case: one hub process per SQLite file) is
    written at once, without a hop to another thread: about 0.15 ms less per request. If another
    connection holds the lock, the batch goes to one dedicated thread that waits for it (busy
    timeout), so the event loop is never blocked waiting for a lock. The store's single writer task
    awaits each batch before the next; a batch left in the thread by a cancelled writer still commits
    or rolls back whole, ordered against later batches by SQLite's lock like another process's.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.inline = _sqlite_writer(engine, wait=False)
        self.waiting = _sqlite_writer(engine, wait=True)
        self.engines: tuple[Engine, ...] = (self.inline, self.waiting)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-sqlite")

    def _in_transaction(self, transaction: Callable[[Connection], T]) -> T:
        with self.waiting.begin() as conn:
            return transaction(conn)

    def _at_once(self, transaction: Callable[[Connection], T]) -> T:
        with self.inline.connect() as conn:
            try:
                conn.begin()
            except OperationalError as exc:
                if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                    raise _LockBusy from None
                raise
            try:
                result = transaction(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            return result

    async def run(self, transaction: Callable[[Connection], T]) -> T:
        try:
            return self._at_once(transaction)
        except _LockBusy:
            pass
        # If the awaiting task is cancelled the thread still finishes the transaction: a whole batch is
        # then either committed or rolled back, never half written.
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._in_transaction, transaction)

    async def dispose(self) -> None:
        self.inline.dispose()
        await asyncio.get_running_loop().run_in_executor(self._thread, self.waiting.dispose)
        self._thread.shutdown(wait=False)


class AsyncChainWriter:
    """PostgreSQL: the transaction runs on the async engine, after the trail's advisory lock."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.async_engine = engine
        self.engines: tuple[Engine, ...] = (engine.sync_engine,)

    async def run(self, transaction: Callable[[Connection], T]) -> T:
        async with self.async_engine.connect() as conn:
            # A fresh snapshot per statement, so the head read after the lock sees the last commit.
            await conn.execution_options(isolation_level="READ COMMITTED")
            async with conn.begin():
                await conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
                return await conn.run_sync(transaction)

    async def dispose(self) -> None:
        """The async engine belongs to the store, which disposes of it."""


def chain_writer(engine: AsyncEngine) -> ChainWriter:
    return ThreadChainWriter(engine) if engine.dialect.name == "sqlite" else AsyncChainWriter(engine)

"""Appending: one chain, group commit, concurrency, checkpoints, failing closed without partial writes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select, text

from audit.integrity import verify
from audit.keys import PRIVATE_FILE, PUBLIC_FILE
from audit.record import GENESIS, canonical, chain_hash, event_from
from audit.store import ADVISORY_LOCK_KEY, AuditStore, AuditWriteFailed, audit_engine
from audit.tables import audit_checkpoint, audit_probe, audit_record, audit_subject
from hub.core.errors import AuditUnavailable
from tests.audit.conftest import StoreFactory, count, event, settings_for
from tests.conftest import admin_sql


async def test_records_chain_from_genesis_and_read_back(make_store: StoreFactory) -> None:
    store = await make_store()
    assert [await store.append(event(n)) for n in range(3)] == [1, 2, 3]
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(audit_record).order_by(audit_record.c.seq))).all()
    assert rows[0].prev_hash == GENESIS
    for a, b in itertools.pairwise(rows):
        assert b.prev_hash == a.hash
    for r in rows:
        assert r.hash == hashlib.sha256((r.prev_hash + r.body + str(r.seq)).encode()).hexdigest()
        assert r.hash == chain_hash(r.prev_hash, r.seq, r.body)
    assert rows[1].body == canonical(event(1))
    assert event_from(rows[1].body) == event(1)
    report = await verify(store)
    assert report.ok and report.records == 3 and report.head_seq == 3 and report.head_hash == rows[2].hash


def test_canonical_json_is_sorted_compact_and_utc() -> None:
    from datetime import datetime, timedelta, timezone

    local = datetime(2026, 11, 24, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    text = canonical(event(0, occurred_at=local))
    assert '"occurred_at":"2026-11-24T09:30:00.000000Z"' in text
    assert " " not in text.replace("CDA 1998 s115", "").replace("PROB-ISA 2.1", "").replace("TRT-ISA 3.2", "")
    keys = list(__import__("json").loads(text))
    assert keys == sorted(keys)


async def test_200_concurrent_appends_form_one_chain(make_store: StoreFactory) -> None:
    store = await make_store()
    seqs = await asyncio.gather(*(store.append(event(n)) for n in range(200)))
    assert sorted(seqs) == list(range(1, 201))
    report = await verify(store)
    assert report.ok and report.records == 200, report.summary()
    assert await count(store, audit_subject) == 200


async def test_group_commit_batches_records_into_fewer_transactions(make_store: StoreFactory) -> None:
    store = await make_store(batch_max=16)
    commits = 0

    def on_commit(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    for engine in store.writer.engines:
        sa_event.listen(engine, "commit", on_commit)
    seqs = await asyncio.gather(*(store.append(event(n)) for n in range(200)))
    assert sorted(seqs) == list(range(1, 201))
    # 200 records in batches of at most 16: at least 13 transactions, far fewer than 200.
    assert 13 <= commits < 50, f"{commits} commits for 200 records"
    assert store.batches == commits


async def test_append_returns_only_after_commit(make_store: StoreFactory) -> None:
    store = await make_store()
    seqs = await asyncio.gather(*(store.append(event(n)) for n in range(20)))
    # A second engine (another process's view) sees every acknowledged record.
    reader = audit_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        async with reader.connect() as conn:
            stored = set((await conn.execute(select(audit_record.c.seq))).scalars())
    finally:
        await reader.dispose()
    assert set(seqs) <= stored


async def test_two_stores_on_one_database_keep_one_chain(make_store: StoreFactory) -> None:
    # Two stores: two engines, two writer tasks, two connection pools, as two processes would have.
    a, b = await make_store(batch_max=7), await make_store(batch_max=5)
    seqs = await asyncio.gather(*(s.append(event(n)) for n in range(150) for s in (a, b)))
    assert sorted(seqs) == list(range(1, 301))
    report = await verify(a)
    assert report.ok and report.records == 300, report.summary()


async def test_checkpoints_are_signed_at_intervals_and_on_close(make_store: StoreFactory) -> None:
    store = await make_store(audit_checkpoint_every=10)
    for n in range(25):
        await store.append(event(n))
    assert await count(store, audit_checkpoint) == 2  # after 10 and 20
    assert await store.checkpoint() == 25
    assert await store.checkpoint() == 25  # the head is signed once
    other = await make_store(audit_checkpoint_every=10)
    await other.append(event(25))
    await other.close()  # closing signs the head
    async with store.engine.connect() as conn:
        seqs = list((await conn.execute(select(audit_checkpoint.c.seq).order_by(audit_checkpoint.c.id))).scalars())
    assert seqs == [10, 20, 25, 26]
    report = await verify(store)
    assert report.ok and report.checkpoints == 4


async def test_checkpoint_key_is_generated_once_private_and_separate(make_store: StoreFactory, tmp_path: Path) -> None:
    await make_store()
    private, public = tmp_path / "keys" / PRIVATE_FILE, tmp_path / "keys" / PUBLIC_FILE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    first = private.read_bytes()
    await make_store()
    assert private.read_bytes() == first, "a second open replaced the signing key"
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [PUBLIC_FILE, PRIVATE_FILE]


async def _refuse_subject_inserts(store: AuditStore) -> None:
    async with store.engine.begin() as conn:
        if store.sqlite:
            await conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON audit_subject "
                                       "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        else:
            await conn.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                                       "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$")
            await conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON audit_subject "
                                       "FOR EACH ROW EXECUTE FUNCTION refuse()")


async def test_a_failing_batch_raises_for_every_waiter_and_keeps_nothing(make_store: StoreFactory) -> None:
    store = await make_store()
    await store.append(event(0))
    # The record rows of the batch are inserted before the subject rows fail: the rollback must undo them.
    await _refuse_subject_inserts(store)
    results = await asyncio.gather(*(store.append(event(n)) for n in range(1, 6)), return_exceptions=True)
    assert all(isinstance(r, AuditWriteFailed) and isinstance(r, AuditUnavailable) for r in results), results
    assert await count(store, audit_record) == 1, "a failed batch left records behind"
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("DROP TRIGGER refuse" + ("" if store.sqlite else " ON audit_subject"))
    assert await store.append(event(6)) == 2  # the chain continues where it was
    assert (await verify(store)).ok


async def test_a_malformed_event_fails_alone(make_store: StoreFactory) -> None:
    store = await make_store()
    too_long = event(1, subjects=("H" * 100,))
    results = await asyncio.gather(store.append(event(0)), store.append(too_long), store.append(event(2)),
                                   return_exceptions=True)
    assert results[0] == 1 and isinstance(results[1], AuditWriteFailed) and results[2] == 2
    assert (await verify(store)).records == 2


async def test_a_read_only_database_is_unhealthy_and_refuses(tmp_path: Path) -> None:
    store = await AuditStore.open(settings_for(tmp_path))
    await store.append(event(0))
    assert await store.health() is True
    await store.close()
    # Opened read-only (as a full disk or a revoked grant would leave it): the write lock cannot be had.
    read_only = f"sqlite+aiosqlite:///file:{tmp_path / 'audit.db'}?mode=ro&uri=true"
    again = AuditStore(audit_engine(read_only), store.keys, checkpoint_every=1000)
    try:
        assert await again.health() is False
        with pytest.raises(AuditWriteFailed):
            await again.append(event(1))
        assert (await verify(again)).records == 1  # reading needs no write lock
    finally:
        await again.close()
    assert (await verify(settings_for(tmp_path))).records == 1


async def test_a_dropped_postgres_database_refuses(make_pg_database: Any, postgres_url: str, tmp_path: Path) -> None:
    url = await make_pg_database("audit_drop")
    store = await AuditStore.open(settings_for(tmp_path, url))
    try:
        assert await store.append(event(0)) == 1
        assert await store.health() is True
        assert await count(store, audit_probe) == 0  # the probe row was rolled back
        name = store.engine.url.database
        await admin_sql(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)')
        with pytest.raises(AuditWriteFailed):
            await store.append(event(1))
        assert await store.health() is False
    finally:
        await store.close()


async def test_sqlite_commits_are_durable_and_writers_lock_first(tmp_path: Path) -> None:
    store = await AuditStore.open(settings_for(tmp_path))
    try:
        async with store.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 2  # FULL
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        # While one writer holds the write lock, another connection cannot begin a writing transaction.
        with store.writer.engines[-1].connect() as writing, writing.begin():  # the writer's BEGIN IMMEDIATE
            other = AuditStore(audit_engine(settings_for(tmp_path).audit_url), store.keys, checkpoint_every=1000)
            try:
                async with other.engine.connect() as conn:
                    await conn.exec_driver_sql("PRAGMA busy_timeout=0")
                    await conn.commit()
                    with pytest.raises(Exception, match="locked"):
                        await conn.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                await other.close()
        for engine in store.writer.engines:  # the writer's own connections write synchronously too
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        await store.close()


@contextlib.asynccontextmanager
async def holding_write_lock(store: AuditStore) -> AsyncIterator[None]:
    """Hold the trail's write lock from another connection, as a second hub process would."""
    if store.sqlite:
        with store.writer.engines[-1].connect() as conn, conn.begin():
            yield
        return
    engine = audit_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        async with engine.connect() as held:
            await held.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            try:
                yield
            finally:
                await held.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
    finally:
        await engine.dispose()


@pytest.mark.parametrize("when", ["before it ran", "mid-commit"])
async def test_a_cancelled_writer_fails_its_waiters(make_store: StoreFactory, when: str) -> None:
    store = await make_store()
    async with contextlib.AsyncExitStack() as stack:
        if when == "mid-commit":  # another process holds the trail's lock: the batch waits inside its commit
            await stack.enter_async_context(holding_write_lock(store))
        waiting = [asyncio.ensure_future(store.append(event(n))) for n in range(5)]
        if when == "mid-commit":
            while not store._inflight:  # noqa: ASYNC110 - polls the writer's own state
                await asyncio.sleep(0)
            await asyncio.sleep(0.05)  # inside the commit, waiting for the lock
        else:
            await asyncio.sleep(0)  # the appends queue; the writer task has not had a turn yet
        assert store._writer is not None
        store._writer.cancel()
        results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, AuditWriteFailed) for r in results), results
    # A new writer starts. The cancelled batch is atomic: left nothing, or (when the database finished it
    # regardless, as SQLite's writer thread does) all five, which then record requests that got a 503.
    # SQLite's lock orders that thread's batch and the new one, whichever comes first.
    seq = await store.append(event(5))
    report = await verify(store)
    assert report.ok, report.summary()
    assert (seq, report.records) == (1, 1) or (when == "mid-commit" and report.records == 6 and seq in (1, 6)), \
        (seq, report.records)


async def test_a_closed_store_refuses(make_store: StoreFactory) -> None:
    store = await make_store()
    await store.append(event(0))
    await store.close()
    assert await store.health() is False
    with pytest.raises(AuditWriteFailed):
        await store.append(event(1))


async def test_close_commits_pending_records_first(make_store: StoreFactory) -> None:
    store = await make_store()
    pending = [asyncio.ensure_future(store.append(event(n))) for n in range(30)]
    await asyncio.sleep(0)  # every append is queued; none committed yet
    await store.close()
    assert sorted([await p for p in pending]) == list(range(1, 31))
    reopened = await make_store()
    report = await verify(reopened)
    assert report.ok and report.records == 30 and report.checkpoints == 1

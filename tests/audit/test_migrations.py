"""The audit trail's schema comes from migrations: applied at open (under the write lock) or by
``hub db upgrade``, refused when told not to migrate, and a trail from the previous release is adopted
with every record intact."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from audit.integrity import verify
from audit.keys import ensure_checkpoint_keys
from audit.record import canonical, chain_hash
from audit.store import AuditStore, audit_engine
from audit.tables import metadata
from hub.core.db import create_engine
from hub.core.migrations import SchemaBehind, current, head, upgrade
from tests.audit.conftest import PgMaker, event, settings_for
from tests.audit.test_merkle import mth


async def _url(tmp_path: Path, pg_maker: PgMaker | None) -> str:
    return await pg_maker("audit_mig") if pg_maker else settings_for(tmp_path).audit_url


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_opening_an_empty_store_migrates_it(tmp_path: Path, pg_maker: PgMaker | None) -> None:
    url = await _url(tmp_path, pg_maker)
    store = await AuditStore.open(settings_for(tmp_path, url))
    try:
        assert await store.append(event(0)) == 1
    finally:
        await store.close()
    assert await current(url, "audit") == head("audit") == "0002"
    assert {"audit_record", "audit_subject", "audit_checkpoint", "audit_tree_node", "audit_probe",
            "alembic_version_audit"} \
        <= await _tables(url)


async def test_the_migrated_schema_is_the_one_the_code_declares(tmp_path: Path) -> None:
    # create_all (the first release) and the migration must give the same columns and indexes.
    migrated, declared = settings_for(tmp_path / "a").audit_url, settings_for(tmp_path / "b").audit_url
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    await upgrade(migrated, "audit")
    engine = create_engine(declared)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()

    async def shape(url: str) -> dict[str, tuple[list[str], list[str]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                def read(c: object) -> dict[str, tuple[list[str], list[str]]]:
                    i = inspect(c)
                    return {t: (sorted(col["name"] for col in i.get_columns(t)),
                                sorted(str(ix["name"]) for ix in i.get_indexes(t)))
                            for t in metadata.tables}
                return await conn.run_sync(read)
        finally:
            await engine.dispose()

    assert await shape(migrated) == await shape(declared)


async def test_a_previous_release_trail_is_adopted_intact(tmp_path: Path, pg_maker: PgMaker | None) -> None:
    url = await _url(tmp_path, pg_maker)
    # The previous release created the tables itself (no version table) and wrote records.
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()
    keys = ensure_checkpoint_keys(settings_for(tmp_path, url).keys_dir)
    old = AuditStore(audit_engine(url), keys, checkpoint_every=2)
    for n in range(5):
        await old.append(event(n))
    await old.close()
    assert await current(url, "audit") is None

    store = await AuditStore.open(settings_for(tmp_path, url))
    try:
        assert await store.append(event(5)) == 6  # the chain continues
        report = await verify(store)
    finally:
        await store.close()
    assert report.ok and report.records == 6, report.summary()
    assert await current(url, "audit") == "0002"


async def test_told_not_to_migrate_an_old_store_refuses_to_open(tmp_path: Path, pg_maker: PgMaker | None) -> None:
    url = await _url(tmp_path, pg_maker)
    settings = settings_for(tmp_path, url).model_copy(update=dict(migrate_on_start=False))
    with pytest.raises(SchemaBehind, match=r"audit store is at revision none \(empty\).*hub db upgrade"):
        await AuditStore.open(settings)
    assert await _tables(url) <= {"alembic_version_audit"}, "a refused open created tables"
    await upgrade(url, "audit")
    store = await AuditStore.open(settings)  # at head: opens without migrating
    await store.close()


async def test_replicas_opening_together_migrate_once(tmp_path: Path, pg_maker: PgMaker | None) -> None:
    url = await _url(tmp_path, pg_maker)
    stores = await asyncio.gather(*(AuditStore.open(settings_for(tmp_path, url)) for _ in range(4)))
    try:
        seqs = await asyncio.gather(*(s.append(event(n)) for n, s in enumerate(stores)))
        assert sorted(seqs) == [1, 2, 3, 4]
    finally:
        for s in stores:
            await s.close()
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version_audit"))).scalars().all()
    finally:
        await engine.dispose()
    assert rows == ["0002"]


async def test_a_trail_from_before_the_tree_gets_its_nodes(tmp_path: Path, pg_maker: PgMaker | None) -> None:
    url = await _url(tmp_path, pg_maker)
    await upgrade(url, "audit", "0001")
    # 70 records as release 0001 wrote them: the chain only, and one chain-head signature.
    keys = ensure_checkpoint_keys(settings_for(tmp_path, url).keys_dir)
    texts = [canonical(event(n)) for n in range(70)]
    engine = create_engine(url)
    async with engine.begin() as conn:
        prev = "0" * 64
        for seq, body in enumerate(texts, start=1):
            digest = chain_hash(prev, seq, body)
            await conn.execute(text(
                "INSERT INTO audit_record (seq, occurred_at, actor_id, agency, roles, purpose, outcome, trace_id, "
                "body, prev_hash, hash) VALUES (:seq, :at, 'om-001', 'probation', ',probation-practitioner,', "
                "'iom', 'partial', :trace, :body, :prev, :hash)"),
                {"seq": seq, "at": event(seq - 1).occurred_at, "trace": event(seq - 1).trace_id, "body": body,
                 "prev": prev, "hash": digest})
            await conn.execute(text("INSERT INTO audit_subject (seq, person_id) VALUES (:seq, 'H00000001')"),
                               {"seq": seq})
            prev = digest
        await conn.execute(text("INSERT INTO audit_checkpoint (seq, head_hash, signed_at, key_id, signature) "
                                "VALUES (70, :h, :at, :k, :s)"),
                           {"h": prev, "at": event(0).occurred_at, "k": keys.id, "s": keys.sign(70, prev)})
    await engine.dispose()

    store = await AuditStore.open(settings_for(tmp_path, url))  # migrates to 0002: the nodes are filled in
    try:
        async with store.engine.connect() as conn:
            nodes = (await conn.execute(text("SELECT level, idx, hash FROM audit_tree_node"))).all()
        assert [tuple(n) for n in nodes] == [(6, 0, mth(texts[:64]).hex())]
        assert await store.append(event(70)) == 71
        await store.checkpoint()
        report = await verify(store)
        assert report.ok and report.checkpoints == 2 and report.witnessed == 1, report.summary()
        texts.append(canonical(event(70)))
        assert report.tree_root == mth(texts).hex()
    finally:
        await store.close()

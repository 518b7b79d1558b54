"""The witness outside the database: what the store alone cannot show (a cut end, a re-signed rewrite)
is found against it, and what it holds is never overwritten."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from audit.cli import configure, run
from audit.integrity import verify
from audit.keys import CheckpointKeys, ensure_checkpoint_keys
from audit.record import chain_hash
from audit.store import AuditStore
from audit.tables import audit_checkpoint, audit_record, audit_subject, audit_tree_node
from audit.witness import DirectoryWitness, WitnessConflict
from hub.core.db import create_engine
from tests.audit.conftest import StoreFactory, event, settings_for
from tests.audit.test_merkle import mth


async def bodies(store: AuditStore) -> list[str]:
    async with store.engine.connect() as conn:
        return list((await conn.execute(select(audit_record.c.body).order_by(audit_record.c.seq))).scalars())


async def written(make_store: StoreFactory, n: int) -> AuditStore:
    store = await make_store(audit_checkpoint_every=1000)
    # Concurrent appends: batches of several records, as under load.
    await asyncio.gather(*(store.append(event(i, subjects=(f"H{i + 1:08d}",))) for i in range(n)))
    return store


def note_root(note: str) -> bytes:
    return base64.b64decode(note.split("\n")[2])


async def test_the_stored_tree_and_checkpoint_are_rfc6962(make_store: StoreFactory) -> None:
    store = await written(make_store, 130)
    other = await make_store(audit_checkpoint_every=1000)  # a second process on the same trail
    for i in range(130, 140):
        await (store if i % 2 else other).append(event(i))
    await other.checkpoint()
    texts = await bodies(store)
    async with store.engine.connect() as conn:
        cp = (await conn.execute(select(audit_checkpoint))).one()
        nodes = {(r.level, r.idx): r.hash for r in (await conn.execute(select(audit_tree_node))).all()}
    assert cp.seq == 140 and note_root(cp.note) == mth(texts) and cp.root_hash == mth(texts).hex()
    assert cp.note.startswith(f"{store.keys.origin}\n140\n") and f"\n\n\u2014 {store.keys.origin} " in cp.note
    # Subtrees of 64 and 128 records: (6, 0), (6, 1), (7, 0); nothing else yet.
    assert nodes == {(6, 0): mth(texts[:64]).hex(), (6, 1): mth(texts[64:128]).hex(), (7, 0): mth(texts[:128]).hex()}
    witnessed = DirectoryWitness(Path(str(store.witness.where))).checkpoints() if store.witness else []
    assert witnessed == [cp.note]
    assert (await verify(store)).ok


async def _cut_end(conn: AsyncConnection, keep: int) -> None:
    """Records after ``keep`` deleted, with every checkpoint row that would show it."""
    await conn.execute(delete(audit_subject).where(audit_subject.c.seq > keep))
    await conn.execute(delete(audit_record).where(audit_record.c.seq > keep))
    await conn.execute(delete(audit_checkpoint).where(audit_checkpoint.c.seq > keep))


async def test_truncation_passes_without_the_witness_and_is_found_with_it(make_store: StoreFactory) -> None:
    store = await written(make_store, 12)
    await store.checkpoint()  # 12 signed and witnessed
    async with store.engine.begin() as conn:
        await _cut_end(conn, 9)
    alone = await verify(store.engine, store.keys)
    assert alone.ok and alone.records == 9, "the old gap: the store alone shows nothing"
    report = await verify(store)
    assert not report.ok and report.first_bad_seq == 10
    assert "12 records, the store only 9" in str(report.problem) and "removed from the end" in str(report.problem)


async def _rewrite(conn: AsyncConnection, keys: CheckpointKeys, texts: list[str], edit_seq: int) -> None:
    """What someone holding the database and the host's signing key can do: edit a record, recompute every
    later hash and tree node, replace the checkpoints with freshly signed ones."""
    body = json.loads(texts[edit_seq - 1])
    body["justification"] = "nothing to see"
    texts[edit_seq - 1] = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    prev = "0" * 64
    for seq, text in enumerate(texts, start=1):
        digest = chain_hash(prev, seq, text)
        await conn.execute(update(audit_record).where(audit_record.c.seq == seq)
                           .values(body=text, prev_hash=prev, hash=digest))
        prev = digest
    for level, idx in (await conn.execute(select(audit_tree_node.c.level, audit_tree_node.c.idx))).all():
        await conn.execute(update(audit_tree_node).where(audit_tree_node.c.level == level, audit_tree_node.c.idx == idx)
                           .values(hash=mth(texts[idx << level: (idx + 1) << level]).hex()))
    await conn.execute(delete(audit_checkpoint))
    size, root = len(texts), mth(texts)
    await conn.execute(insert(audit_checkpoint).values(
        seq=size, head_hash=prev, signed_at=event(0).occurred_at, key_id=keys.id, signature=keys.sign(size, prev),
        root_hash=root.hex(), note=keys.checkpoint_note(size, root)))


async def test_a_resigned_rewrite_passes_without_the_witness_and_is_found_with_it(make_store: StoreFactory) -> None:
    store = await written(make_store, 70)  # past 64 records, so a stored tree node must be forged too
    await store.checkpoint()
    texts = await bodies(store)
    async with store.engine.begin() as conn:
        await _rewrite(conn, store.keys, texts, edit_seq=3)
    alone = await verify(store.engine, store.keys)
    assert alone.ok and alone.checkpoints == 1, "the old gap: recomputed and re-signed, the store looks intact"
    report = await verify(store)
    assert not report.ok and report.first_bad_seq == 70 and "rewritten" in str(report.problem)


async def test_a_forged_tree_node_is_found(make_store: StoreFactory) -> None:
    store = await written(make_store, 64)
    async with store.engine.begin() as conn:
        await conn.execute(update(audit_tree_node).values(hash="00" * 32))
    report = await verify(store)
    assert not report.ok and report.first_bad_seq == 64 and "tree node" in str(report.problem)


async def test_a_checkpoint_at_the_witness_signed_by_another_key_is_found(make_store: StoreFactory,
                                                                         tmp_path: Path) -> None:
    store = await written(make_store, 3)
    await store.checkpoint()
    impostor = ensure_checkpoint_keys(tmp_path / "other-keys")
    assert store.witness is not None
    store.witness.publish(impostor.checkpoint_note(3, mth(await bodies(store))), 3)
    report = await verify(store)
    assert not report.ok and "does not verify under this trail's key" in str(report.problem)


def test_a_witness_file_is_never_overwritten(tmp_path: Path) -> None:
    keys = ensure_checkpoint_keys(tmp_path / "keys")
    witness = DirectoryWitness(tmp_path / "witness")
    first = keys.checkpoint_note(5, mth(["a", "b", "c", "d", "e"]))
    witness.publish(first, 5)
    (path,) = (tmp_path / "witness").iterdir()
    before = os.stat(path)
    witness.publish(first, 5)  # again (a retry): nothing is written
    assert os.stat(path).st_ino == before.st_ino and os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert path.read_text() == first and before.st_mode & 0o222 == 0, "a witnessed checkpoint is read-only"
    # A second checkpoint of the same size (a fork) is kept beside the first, not in its place.
    fork = keys.checkpoint_note(5, mth(["a", "b", "x", "d", "e"]))
    witness.publish(fork, 5)
    assert sorted(witness.checkpoints()) == sorted([first, fork]) and path.read_text() == first
    # A different text under a taken name is refused, and the file keeps what it held.
    squatter = witness.name_for(keys.checkpoint_note(6, mth(list("abcdef"))), 6)
    squatter.write_text("not a checkpoint")
    with pytest.raises(WitnessConflict):
        witness.publish(keys.checkpoint_note(6, mth(list("abcdef"))), 6)
    assert squatter.read_text() == "not a checkpoint"
    assert not [p for p in (tmp_path / "witness").iterdir() if p.name.startswith(".")], "no temporary file left"


async def test_every_checkpoint_is_a_new_file_and_earlier_ones_stay(make_store: StoreFactory) -> None:
    store = await make_store(audit_checkpoint_every=4)
    for i in range(10):
        await store.append(event(i))
    await store.checkpoint()  # 4, 8 (every 4 records), 10 (now)
    assert store.witness is not None
    notes = store.witness.checkpoints()
    assert [int(n.split("\n")[1]) for n in notes] == [4, 8, 10]
    texts = await bodies(store)
    assert [note_root(n) for n in notes] == [mth(texts[:4]), mth(texts[:8]), mth(texts)]


async def test_hub_audit_verify_reads_the_witness_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "other-storage"
    settings = settings_for(tmp_path, audit_witness=str(elsewhere))
    store = await AuditStore.open(settings)
    for i in range(6):
        await store.append(event(i))
    await store.close()  # the shutdown checkpoint, witnessed on the other storage
    assert [p.suffix for p in elsewhere.iterdir()] == [".checkpoint"] and not (tmp_path / "witness").exists()
    engine = create_engine(settings.audit_url)
    async with engine.begin() as conn:
        await _cut_end(conn, 4)
    await engine.dispose()
    parser = argparse.ArgumentParser()
    configure(parser)
    assert await asyncio.to_thread(run, parser.parse_args(["verify"]), settings) == 1
    out = capsys.readouterr().out
    assert "first bad sequence number: 5" in out and "removed from the end" in out

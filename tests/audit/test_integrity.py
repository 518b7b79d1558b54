"""Tampering of every kind is found by verification, which names the first bad sequence number."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from audit.cli import configure, run
from audit.integrity import verify
from audit.record import chain_hash
from audit.store import AuditStore
from audit.tables import audit_checkpoint, audit_record, audit_subject
from hub.core.db import create_engine
from hub.core.errors import ConfigurationError
from tests.audit.conftest import StoreFactory, event, settings_for

Tamper = Callable[[AsyncConnection], Awaitable[None]]


async def filled(make_store: StoreFactory, n: int = 10) -> AuditStore:
    store = await make_store(audit_checkpoint_every=1000)
    for i in range(n):
        await store.append(event(i, subjects=(f"H{i + 1:08d}",)))
    return store


async def tampered(store: AuditStore, change: Tamper) -> tuple[int | None, str | None]:
    async with store.engine.begin() as conn:
        await change(conn)
    report = await verify(store)
    assert not report.ok
    return report.first_bad_seq, report.problem


async def body_of(conn: AsyncConnection, seq: int) -> dict[str, object]:
    row = (await conn.execute(select(audit_record.c.body).where(audit_record.c.seq == seq))).scalar_one()
    return dict(json.loads(row))


async def test_an_intact_trail_verifies(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    await store.checkpoint()
    report = await verify(store)
    assert report.ok and report.first_bad_seq is None and report.problem is None
    assert (report.records, report.checkpoints, report.head_seq) == (10, 1, 10)
    # The same through an engine and keys, and through the settings (read-only: no key generated).
    assert (await verify(store.engine, store.keys, witness=store.witness)) == report
    assert report.witnessed == 1


async def test_editing_a_record_body_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)

    async def edit(conn: AsyncConnection) -> None:
        body = await body_of(conn, 4)
        body["purpose"] = "safeguarding"
        await conn.execute(update(audit_record).where(audit_record.c.seq == 4)
                           .values(body=json.dumps(body, sort_keys=True, separators=(",", ":"))))

    seq, problem = await tampered(store, edit)
    assert seq == 4 and "edited" in str(problem)


async def test_editing_a_review_column_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    seq, problem = await tampered(store, lambda c: c.execute(
        update(audit_record).where(audit_record.c.seq == 6).values(actor_id="someone-else")))  # type: ignore[arg-type,return-value]
    assert seq == 6 and "actor_id" in str(problem)


async def test_editing_the_subject_index_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    seq, _ = await tampered(store, lambda c: c.execute(  # type: ignore[arg-type,return-value]
        delete(audit_subject).where(audit_subject.c.seq == 3)))
    assert seq == 3


async def test_deleting_a_record_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)

    async def remove(conn: AsyncConnection) -> None:
        await conn.execute(delete(audit_subject).where(audit_subject.c.seq == 5))
        await conn.execute(delete(audit_record).where(audit_record.c.seq == 5))

    seq, problem = await tampered(store, remove)
    assert seq == 5 and "missing" in str(problem)


async def test_inserting_a_forged_record_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)

    async def forge(conn: AsyncConnection) -> None:
        # Move records 6.. up by one and slip a well-formed record in at 6, chained to 5.
        rows = (await conn.execute(select(audit_record).where(audit_record.c.seq >= 6)
                                   .order_by(audit_record.c.seq.desc()))).all()
        for r in rows:
            await conn.execute(update(audit_subject).where(audit_subject.c.seq == r.seq).values(seq=r.seq + 1))
            await conn.execute(update(audit_record).where(audit_record.c.seq == r.seq).values(seq=r.seq + 1))
        prev = (await conn.execute(select(audit_record.c.hash).where(audit_record.c.seq == 5))).scalar_one()
        body = await body_of(conn, 5)
        body["actor_id"] = "forger"
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        await conn.execute(insert(audit_record).values(
            seq=6, occurred_at=event(4).occurred_at, actor_id="forger", agency="probation",
            roles=",probation-practitioner,", purpose="iom", outcome="partial", trace_id=body["trace_id"],
            body=text, prev_hash=prev, hash=chain_hash(prev, 6, text)))
        await conn.execute(insert(audit_subject).values(seq=6, person_id=body["subjects"][0]))  # type: ignore[index]

    seq, problem = await tampered(store, forge)
    assert seq == 7 and "link" in str(problem)


async def test_reordering_records_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)

    async def swap(conn: AsyncConnection) -> None:
        for old, new in ((3, 1000), (4, 3), (1000, 4)):
            await conn.execute(update(audit_subject).where(audit_subject.c.seq == old).values(seq=new))
            await conn.execute(update(audit_record).where(audit_record.c.seq == old).values(seq=new))

    seq, _ = await tampered(store, swap)
    assert seq == 3


async def test_rewriting_history_before_a_checkpoint_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    await store.checkpoint()  # signs head 10

    async def rewrite(conn: AsyncConnection) -> None:
        # Someone without the signing key edits record 2 and recomputes every later hash.
        rows = (await conn.execute(select(audit_record).order_by(audit_record.c.seq))).all()
        prev = rows[0].hash
        for r in rows[1:]:
            body = json.loads(r.body)
            if r.seq == 2:
                body["justification"] = "nothing to see"
            text = json.dumps(body, sort_keys=True, separators=(",", ":"))
            digest = chain_hash(prev, r.seq, text)
            await conn.execute(update(audit_record).where(audit_record.c.seq == r.seq)
                               .values(body=text, prev_hash=prev, hash=digest))
            prev = digest

    seq, problem = await tampered(store, rewrite)
    assert seq == 10 and "rewritten" in str(problem)


async def test_truncating_the_end_is_found_by_the_checkpoint(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    await store.checkpoint()

    async def truncate(conn: AsyncConnection) -> None:
        await conn.execute(delete(audit_subject).where(audit_subject.c.seq >= 9))
        await conn.execute(delete(audit_record).where(audit_record.c.seq >= 9))

    seq, problem = await tampered(store, truncate)
    assert seq == 10 and "gone" in str(problem)


async def test_a_forged_checkpoint_signature_is_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    await store.checkpoint()
    seq, problem = await tampered(store, lambda c: c.execute(  # type: ignore[arg-type,return-value]
        update(audit_checkpoint).values(signature="00" * 64)))
    assert seq == 10 and "signature" in str(problem)


async def test_moving_a_record_in_time_is_found(make_store: StoreFactory) -> None:
    # Editing the indexed time would hide the record from a date-range search.
    store = await filled(make_store)
    seq, problem = await tampered(store, lambda c: c.execute(  # type: ignore[arg-type,return-value]
        update(audit_record).where(audit_record.c.seq == 8).values(occurred_at=datetime(2020, 1, 1, tzinfo=UTC))))
    assert seq == 8 and "occurred_at" in str(problem)


async def test_subject_rows_without_a_record_are_found(make_store: StoreFactory) -> None:
    store = await filled(make_store)
    seq, problem = await tampered(store, lambda c: c.execute(  # type: ignore[arg-type,return-value]
        insert(audit_subject).values(seq=42, person_id="H00000042")))
    assert seq == 42 and "does not exist" in str(problem)


async def test_verifying_from_settings_generates_no_key(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    store = await AuditStore.open(settings)
    await store.append(event(0))
    await store.close()  # signs a checkpoint
    (tmp_path / "keys" / "audit-signing.pem").unlink()  # a verifier holds the public key only
    assert (await verify(settings)).ok
    (tmp_path / "keys" / "audit-public.pem").unlink()
    report = await verify(settings)
    assert not report.ok and report.first_bad_seq == 1 and "no audit-public.pem" in str(report.problem)
    assert not (tmp_path / "keys" / "audit-signing.pem").exists()


async def test_verifying_a_missing_trail_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        await verify(settings_for(tmp_path))
    assert not (tmp_path / "audit.db").exists(), "verification created an empty trail"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure(parser)
    return parser.parse_args(argv)


async def test_hub_audit_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = settings_for(tmp_path)
    store = await AuditStore.open(settings)
    for i in range(5):
        await store.append(event(i))
    await store.close()
    # The CLI runs its own event loop, as it does from the shell.
    assert await asyncio.to_thread(run, _args("verify"), settings) == 0
    assert "intact: 5 records, 1 signed checkpoints" in capsys.readouterr().out
    engine = create_engine(settings.audit_url)
    async with engine.begin() as conn:
        await conn.execute(update(audit_record).where(audit_record.c.seq == 2).values(outcome="ok"))
    await engine.dispose()
    assert await asyncio.to_thread(run, _args("verify"), settings) == 1
    out = capsys.readouterr().out
    assert "first bad sequence number: 2" in out and "outcome" in out

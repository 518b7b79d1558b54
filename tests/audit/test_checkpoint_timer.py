"""Checkpoints on the clock: signed and witnessed with no traffic once the trail has grown, not again
while it has not, the latest handed to a new witness at least once, and one at shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select
from starlette.applications import Starlette

from audit.store import AuditStore
from audit.tables import audit_checkpoint
from audit.witness import DirectoryWitness
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.governance import Governance
from tests.audit.conftest import StoreFactory, event

PATIENCE = 8.0  # seconds: a 1-second timer on a busy two-core machine


async def signed_sizes(store: AuditStore) -> list[int]:
    async with store.engine.connect() as conn:
        return [int(s) for s in (await conn.execute(select(audit_checkpoint.c.seq)
                                                    .order_by(audit_checkpoint.c.id))).scalars()]


def witnessed_sizes(folder: Path) -> list[int]:
    return [int(note.split("\n")[1]) for note in DirectoryWitness(folder).checkpoints()]


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < PATIENCE:
        if await condition():
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {PATIENCE} s: {what}")


async def test_checkpoints_come_on_time_without_traffic(make_store: StoreFactory, tmp_path: Path) -> None:
    store = await make_store(audit_checkpoint_every=1000)
    for i in range(3):
        await store.append(event(i))
    store.start_timer(1.0)
    started = time.monotonic()

    async def witnessed() -> bool:
        return witnessed_sizes(tmp_path / "witness") == [3]

    await until(witnessed, "a checkpoint of the 3 records at the witness")
    assert time.monotonic() - started >= 0.9, "not before the period is up"
    assert await signed_sizes(store) == [3]
    await asyncio.sleep(2.5)  # two more ticks with nothing new: nothing more is signed
    assert await signed_sizes(store) == [3] and witnessed_sizes(tmp_path / "witness") == [3]
    await store.append(event(3))

    async def grown() -> bool:
        return await signed_sizes(store) == [3, 4] and witnessed_sizes(tmp_path / "witness") == [3, 4]

    await until(grown, "a checkpoint of 4 records after one more")

    # A process starting on this trail with a witness that lacks the latest checkpoint: its first tick
    # hands that checkpoint over, though the trail has not grown.
    fresh = await make_store(audit_checkpoint_every=1000, audit_witness=str(tmp_path / "elsewhere"))
    fresh.start_timer(1.0)

    async def handed_over() -> bool:
        return witnessed_sizes(tmp_path / "elsewhere") == [4]

    await until(handed_over, "the latest checkpoint at a new witness")
    assert await signed_sizes(store) == [3, 4], "nothing new was signed for it"


def _governance(app: Starlette) -> Governance:
    gov = app.state.governance
    assert isinstance(gov, Governance)
    return gov


async def test_the_app_checkpoints_on_its_clock_and_at_shutdown(settings: Settings) -> None:
    witness = settings.data_dir / "witness"
    app = create_app(settings.model_copy(update=dict(audit_checkpoint_seconds=1.0, audit_checkpoint_every=1000)))
    async with app.router.lifespan_context(app):
        gov = _governance(app)
        await gov.audit.append(event(0))
        await gov.audit.append(event(1))

        async def witnessed() -> bool:  # a tick may fall between the two appends: then [1, 2]
            return witnessed_sizes(witness)[-1:] == [2]

        await until(witnessed, "the app's timer checkpoint of 2 records")
        await gov.audit.append(event(2))  # shutdown comes before the next tick
    assert witnessed_sizes(witness)[-1] == 3, "the shutdown checkpoint covers the last record"


async def test_a_checkpoint_at_shutdown(settings: Settings) -> None:
    witness = settings.data_dir / "witness"
    app = create_app(settings.model_copy(update=dict(audit_checkpoint_seconds=3600.0, audit_checkpoint_every=1000)))
    async with app.router.lifespan_context(app):
        gov = _governance(app)
        for i in range(5):
            await gov.audit.append(event(i))
        assert witnessed_sizes(witness) == [], "nothing signed before the hour or the thousandth record"
    assert witnessed_sizes(witness) == [5]
    reopened = await AuditStore.open(settings)
    try:
        assert await signed_sizes(reopened) == [5]
    finally:
        await reopened.dispose()

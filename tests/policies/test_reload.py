"""Reload without restart: a changed file swaps the policy in; a broken one is rejected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.core.settings import Settings
from policies.loader import PACKAGED, PolicyInvalid
from policies.store import FileWatcher, PolicyStore
from tests.policies.conftest import Edit

RELEASE = "housing-officer,*,release,allow,relationship,,Probation ISA,PROB-ISA 6.3,"
OPEN_RELEASE = "housing-officer,*,release,allow,,,Probation ISA,PROB-ISA 6.3,"
FIELD = "ProbationRecord.releaseDate"


def _condition(store: PolicyStore) -> str | None:
    return store.current().plan(("housing-officer",), "housing-referral").field(FIELD).condition


async def _until(predicate: Callable[[], bool]) -> None:
    for _ in range(250):  # up to 5 s
        if predicate():
            return
        await asyncio.sleep(0.02)
    pytest.fail("the store did not react within 5 s")


def test_open_uses_the_configured_directory_or_the_packaged_one(policy_copy: Path) -> None:
    assert PolicyStore.open(Settings()).directory == PACKAGED
    assert PolicyStore.open(Settings(policy_dir=policy_copy)).directory == policy_copy


def test_open_refuses_a_broken_policy(policy_copy: Path, edit: Edit) -> None:
    edit("agreements/probation-isa.csv", RELEASE, RELEASE.replace("relationship", "cohort"))
    with pytest.raises(PolicyInvalid):
        PolicyStore.open(Settings(policy_dir=policy_copy))


def test_reload_swaps_a_changed_policy(policy_copy: Path, edit: Edit) -> None:
    store = PolicyStore.open(Settings(policy_dir=policy_copy))
    before = store.current()
    assert not store.reload()  # unchanged content: same version, no swap
    assert store.current() is before
    edit("agreements/probation-isa.csv", RELEASE, OPEN_RELEASE)
    assert store.reload()
    assert store.current().version != before.version
    assert _condition(store) is None
    assert before.plan(("housing-officer",), "housing-referral").field(FIELD).condition == "relationship"


def test_a_broken_file_is_rejected_and_the_old_policy_keeps_serving(
        policy_copy: Path, edit: Edit, caplog: pytest.LogCaptureFixture) -> None:
    store = PolicyStore.open(Settings(policy_dir=policy_copy))
    before = store.current()
    edit("agreements/probation-isa.csv", RELEASE, RELEASE.replace("relationship", "cohort"))
    with caplog.at_level(logging.ERROR, logger="hub.policies"):
        assert not store.reload()
    assert store.current() is before
    assert store.last_error is not None and "unknown condition 'cohort'" in store.last_error.message
    assert f"version {before.version} keeps serving" in caplog.text
    assert "probation-isa.csv:" in caplog.text and "unknown condition 'cohort'" in caplog.text


async def test_the_watcher_reloads_in_the_background(policy_copy: Path, edit: Edit) -> None:
    store = PolicyStore(PolicyStore.open(Settings(policy_dir=policy_copy)).current(),
                        FileWatcher(policy_copy, interval=0.02))
    first = store.current().version
    await store.start()
    try:
        edit("agreements/probation-isa.csv", RELEASE, RELEASE.replace("relationship", "cohort"))
        await _until(lambda: store.last_error is not None)
        assert store.current().version == first and _condition(store) == "relationship"
        edit("agreements/probation-isa.csv", RELEASE.replace("relationship", "cohort"), OPEN_RELEASE)
        await _until(lambda: store.current().version != first)
        assert store.last_error is None and _condition(store) is None
        (policy_copy / "agreements" / "purposes.csv").unlink()  # a missing file is broken too
        second = store.current().version
        await _until(lambda: store.last_error is not None)
        assert store.current().version == second
    finally:
        await store.stop()
    assert store._task is None


class _Pulse:
    """A watcher driven by the test: the shape a LISTEN/NOTIFY or Redis watcher would take."""

    def __init__(self) -> None:
        self.events: asyncio.Queue[None] = asyncio.Queue()
        self.closed = False

    async def changed(self) -> None:
        await self.events.get()

    async def close(self) -> None:
        self.closed = True


async def test_any_watcher_can_drive_a_reload(policy_copy: Path, edit: Edit) -> None:
    pulse = _Pulse()
    store = PolicyStore(PolicyStore.open(Settings(policy_dir=policy_copy)).current(), pulse)
    first = store.current().version
    await store.start()
    edit("agreements/probation-isa.csv", RELEASE, OPEN_RELEASE)
    await asyncio.sleep(0.1)
    assert store.current().version == first  # nothing reloads until the watcher says so
    pulse.events.put_nowait(None)
    await _until(lambda: store.current().version != first)
    await store.stop()
    assert pulse.closed

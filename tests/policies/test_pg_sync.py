"""Policy changes on one replica reach another through PostgreSQL (LISTEN/NOTIFY) within seconds."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from hub.core.migrations import upgrade
from policies.loader import PACKAGED, load_policy
from policies.pg_sync import PostgresPolicySync
from policies.store import FileWatcher, PolicyStore

RULE = "treatment-keyworker,*,housing_reference,deny,,,Housing ISA,HOUS-ISA 3.4,"
CHANGED = "treatment-keyworker,*,housing_reference,allow,,,Housing ISA,HOUS-ISA 3.4,"


def replica_dir(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(PACKAGED, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def store_on(directory: Path) -> PolicyStore:
    return PolicyStore(load_policy(directory), FileWatcher(directory, interval=0.05))


async def until(check: Any, within: float = 5.0) -> float:
    started = asyncio.get_running_loop().time()
    while asyncio.get_running_loop().time() - started < within:
        if check():
            return asyncio.get_running_loop().time() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s")


def keyworker_sees_housing_reference(store: PolicyStore) -> bool:
    decision = store.current().plan(("treatment-keyworker",), "continuity-of-care").field(
        "Identifiers.housingReference")
    return decision.visible


async def test_a_change_on_one_replica_is_enforced_by_the_other(tmp_path: Path, make_pg_database: Any) -> None:
    url = await make_pg_database("policy")
    await upgrade(url, "index")  # the published versions live in the index store (its migration 0003)
    a_dir, b_dir = replica_dir(tmp_path, "a"), replica_dir(tmp_path, "b")
    a, b = store_on(a_dir), store_on(b_dir)
    sync_a, sync_b = PostgresPolicySync(a, url), PostgresPolicySync(b, url)
    for store, sync in ((a, sync_a), (b, sync_b)):
        await sync.start()
        await store.start()
    try:
        assert not keyworker_sees_housing_reference(b)
        original = b.current().version
        isa = a_dir / "agreements" / "housing-isa.csv"
        isa.write_text(isa.read_text().replace(RULE, CHANGED))
        seconds = await until(lambda: b.current().version == a.current().version != original)
        assert keyworker_sees_housing_reference(b), "the other replica did not enforce the new rule"
        assert seconds < 5

        # A broken file is rejected where it was written and never reaches the other replica.
        before = b.current().version
        isa.write_text(isa.read_text() + "no-such-role,*,housing_reference,allow,,,Housing ISA,HOUS-ISA 9.9,\n")
        await until(lambda: a.last_error is not None)
        await asyncio.sleep(0.5)
        assert b.current().version == before == a.current().version
    finally:
        for store, sync in ((a, sync_a), (b, sync_b)):
            await store.stop()
            await sync.stop()


async def test_a_restarted_replica_with_old_files_adopts_the_latest_version(tmp_path: Path,
                                                                           make_pg_database: Any) -> None:
    url = await make_pg_database("policy")
    await upgrade(url, "index")  # the published versions live in the index store (its migration 0003)
    new_dir, old_dir = replica_dir(tmp_path, "new"), replica_dir(tmp_path, "old")
    isa = new_dir / "agreements" / "housing-isa.csv"
    old = store_on(old_dir)
    first = PostgresPolicySync(old, url)
    await first.start()
    await first.stop()
    isa.write_text(isa.read_text().replace(RULE, CHANGED))
    new = store_on(new_dir)
    second = PostgresPolicySync(new, url)
    await second.start()  # never published: a deploy of new policy, so it is published
    await second.stop()
    restarted = store_on(old_dir)
    third = PostgresPolicySync(restarted, url)
    await third.start()
    try:
        assert restarted.current().version == new.current().version
        assert keyworker_sees_housing_reference(restarted)
    finally:
        await third.stop()

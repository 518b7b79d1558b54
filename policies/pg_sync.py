"""Policy changes reach every replica within seconds: PostgreSQL as the shared channel.

A replica whose own policy files change (and validate) publishes the new version's files to a
table and sends ``NOTIFY hub_policy``; every replica LISTENs, fetches that version, validates
it itself and swaps it in. A poll every ``poll_seconds`` covers a dropped listener connection.

At start-up a replica publishes its own files if that version was never published (a deploy of
new policy), and otherwise adopts the latest published version (a restart of an older replica
must not roll the partnership back).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.core.db import create_engine
from policies.loader import PolicyInvalid, check_policy, policy_files
from policies.policy_set import PolicySet
from policies.store import PolicyStore

log = logging.getLogger("hub.policies")

CHANNEL = "hub_policy"

metadata = MetaData()
policy_version = Table(
    "hub_policy_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(64), nullable=False, unique=True),
    # {relative path: file text}: everything check_policy needs to rebuild the version
    Column("files", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


def files_of(policy: PolicySet) -> dict[str, str]:
    root = policy.directory
    return {p.relative_to(root).as_posix(): p.read_text() for p in policy_files(root)}


def materialise(files: dict[str, str], into: Path) -> Path:
    for relative, content in files.items():
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return into


class PostgresPolicySync:
    def __init__(self, store: PolicyStore, url: str, *, poll_seconds: float = 30.0) -> None:
        self.store = store
        self.engine: AsyncEngine = create_engine(url)
        self.poll_seconds = poll_seconds
        self._cache = tempfile.TemporaryDirectory(prefix="hub-policy-")
        self._listener: AsyncConnection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # The table belongs to the index store's migrations (revision 0003), applied before start-up.
        local = self.store.current()
        if not await self._published(local.version):
            await self.publish(local)
        else:
            await self.adopt_latest()
        self.store.local_change.append(self.publish)
        self._listener = await self.engine.connect()
        raw = await self._listener.get_raw_connection()
        await raw.driver_connection.add_listener(CHANNEL, self._notified)  # type: ignore[union-attr]
        self._poller = asyncio.create_task(self._poll(), name="policy-sync-poll")

    async def stop(self) -> None:
        if self.publish in self.store.local_change:
            self.store.local_change.remove(self.publish)
        for task in [*self._tasks, *([self._poller] if self._poller else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
        await self.engine.dispose()
        self._cache.cleanup()

    async def _published(self, version: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.execute(select(policy_version.c.id).where(policy_version.c.version == version))
            return found.first() is not None

    async def publish(self, policy: PolicySet) -> None:
        files = json.dumps(files_of(policy), sort_keys=True)
        async with self.engine.begin() as conn:
            if (await conn.execute(select(policy_version.c.id).where(policy_version.c.version == policy.version))
                    ).first() is None:
                await conn.execute(policy_version.insert().values(version=policy.version, files=files))
            # Delivered on commit, to every listening replica (this one ignores its own version).
            await conn.execute(text("SELECT pg_notify(:channel, :version)"),
                               {"channel": CHANNEL, "version": policy.version})
        log.info("published policy version %s to the other replicas", policy.version)

    async def adopt_latest(self) -> bool:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(policy_version.c.version, policy_version.c.files)
                                      .order_by(policy_version.c.id.desc()).limit(1))).first()
        if row is None or row.version == self.store.current().version:
            return False
        return await self._install(row.version, json.loads(row.files))

    async def _install(self, version: str, files: dict[str, str]) -> bool:
        directory = Path(self._cache.name) / version
        if not directory.exists():
            await asyncio.to_thread(materialise, files, directory)
        policy, problems = await asyncio.to_thread(check_policy, directory)
        if policy is None:
            log.error("shared policy version %s rejected here: %s", version, PolicyInvalid(problems).message)
            return False
        return self.store.install(policy)

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload == self.store.current().version:
            return
        task = asyncio.get_running_loop().create_task(self.adopt_latest_safely())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def adopt_latest_safely(self) -> None:
        try:
            await self.adopt_latest()
        except Exception:  # a failed fetch must not stop future notifications; the poll retries
            log.exception("could not adopt the latest shared policy version")

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            await self.adopt_latest_safely()

"""The policy in force, reloaded without a restart when its files change.

A watcher says when the policy may have changed; the store then loads, validates and plans
the new version off the event loop and swaps it in with one assignment. A broken version is
logged and rejected, and the previous one keeps serving. The file watcher polls; a database
watcher (PostgreSQL LISTEN/NOTIFY, Redis pub/sub) only has to implement ``Watcher``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from hub.core.settings import Settings
from policies.loader import PolicyInvalid, check_policy, load_policy, policy_dir, policy_files
from policies.policy_set import PolicySet

log = logging.getLogger("hub.policies")


class Watcher(Protocol):
    async def changed(self) -> None:
        """Return when the policy may have changed (spurious returns are harmless)."""

    async def close(self) -> None: ...


class FileWatcher:
    """Polls the policy files' names, sizes and modification times."""

    def __init__(self, directory: Path, interval: float = 1.0) -> None:
        self.directory = directory
        self.interval = interval
        self._last = self._signature()

    def _signature(self) -> tuple[tuple[str, int, int], ...]:
        out = []
        for path in policy_files(self.directory):
            try:
                st = path.stat()
                out.append((str(path), st.st_size, st.st_mtime_ns))
            except OSError:
                out.append((str(path), -1, -1))
        return tuple(out)

    async def changed(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            now = await asyncio.to_thread(self._signature)
            if now != self._last:
                self._last = now
                return

    async def close(self) -> None:
        return None


class PolicyStore:
    def __init__(self, policy: PolicySet, watcher: Watcher | None = None) -> None:
        self._policy = policy
        self.directory = policy.directory
        self.watcher = watcher
        self.last_error: PolicyInvalid | None = None
        self._task: asyncio.Task[None] | None = None
        #: called with each version this replica's own files bring in (replica sync publishes it)
        self.local_change: list[Callable[[PolicySet], Awaitable[None]]] = []

    @classmethod
    def open(cls, settings: Settings | None = None, interval: float = 1.0) -> PolicyStore:
        """Load the configured (or packaged) policy now; PolicyInvalid stops the hub starting."""
        directory = policy_dir(settings)
        return cls(load_policy(directory), FileWatcher(directory, interval))

    def current(self) -> PolicySet:
        return self._policy

    def install(self, policy: PolicySet) -> bool:
        """Put a version loaded elsewhere (another replica's, via sync) in force; True if it is new."""
        if policy.version == self._policy.version:
            return False
        previous, self._policy = self._policy, policy
        log.info("policy version %s (shared by another replica) replaces %s", policy.version, previous.version)
        return True

    def reload(self) -> bool:
        """Load the files again; True if a new version is now in force."""
        policy, problems = check_policy(self.directory)
        if policy is None:
            self.last_error = PolicyInvalid(problems)
            log.error("policy change rejected, version %s keeps serving: %s",
                      self._policy.version, self.last_error.message)
            return False
        self.last_error = None
        if policy.version == self._policy.version:
            return False
        previous, self._policy = self._policy, policy
        log.info("policy version %s replaces %s", policy.version, previous.version)
        return True

    async def start(self) -> None:
        if self.watcher is not None and self._task is None:
            self._task = asyncio.create_task(self._watch(self.watcher), name="policy-watcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.watcher is not None:
            await self.watcher.close()

    async def _watch(self, watcher: Watcher) -> None:
        while True:
            await watcher.changed()
            try:
                if await asyncio.to_thread(self.reload):
                    for notify in self.local_change:
                        await notify(self._policy)
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("policy reload failed; version %s keeps serving", self._policy.version)

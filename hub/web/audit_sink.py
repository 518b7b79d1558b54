"""The audit store as the request pipeline sees it: opened on first use, closed with the app.

Opening lazily lets tests drive the app without an ASGI lifespan; ``hub serve`` opens it at start-up
(the lifespan) so a missing or unwritable store stops the hub before it takes traffic.
"""

from __future__ import annotations

import asyncio

from audit.record import AuditEvent
from audit.store import AuditStore
from hub.core.settings import Settings


class AuditSink:
    def __init__(self, settings: Settings, store: AuditStore | None = None) -> None:
        self.settings = settings
        self._store = store
        self._lock = asyncio.Lock()

    async def store(self) -> AuditStore:
        if self._store is None:
            async with self._lock:
                if self._store is None:
                    self._store = await AuditStore.open(self.settings)
        return self._store

    async def append(self, event: AuditEvent) -> int:
        return await (await self.store()).append(event)

    async def health(self) -> str | None:
        """None when the store answers, else a short reason (never a path or a value)."""
        try:
            ok = await (await self.store()).health()
        except Exception as exc:
            return type(exc).__name__
        return None if ok else "audit store is not writable"

    async def close(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            await store.close()

"""A real hub served by uvicorn in its own process, on the test's seeded data, for tests of what only a
running server shows (signals, browsers)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from hub.core.settings import Settings
from tests.production.test_replicas import ROOT, free_port


@dataclass
class Served:
    base: str
    process: asyncio.subprocess.Process


def environment(settings: Settings, extra: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test", "HUB_DATA_DIR": str(settings.data_dir),
            "HUB_INDEX_DB": settings.index_url, "HUB_AUDIT_DB": settings.audit_url,
            **{f"HUB_{a.upper()}_DB": url for a, url in settings.agency_urls.items()}, **extra}


@asynccontextmanager
async def served(settings: Settings, extra: Mapping[str, str] | None = None, *,
                 capture: bool = False) -> AsyncIterator[Served]:
    """Start ``hub serve`` and wait until it is ready; killed on the way out if the test has not stopped it.

    ``capture``: its stdout and stderr are pipes the test must read (``process.communicate()``), or a
    chatty server would block once the pipe fills; otherwise they go nowhere.
    """
    port = free_port()
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(port), cwd=ROOT,
        env=environment(settings, extra or {}), stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(150):
                try:
                    if (await client.get(f"{base}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.returncode is not None:
                    said = (await proc.stderr.read()).decode()[-2000:] if proc.stderr else "(not captured)"
                    raise AssertionError(f"the hub did not start: {said}")
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the hub did not become ready in 15 s")
        yield Served(base, proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

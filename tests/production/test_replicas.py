"""Two hub processes on one PostgreSQL audit trail: a policy change on one is enforced by the other
within seconds, and killing one mid-load loses no record of any response a client received."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from audit.integrity import verify
from audit.keys import ensure_checkpoint_keys
from audit.review import AuditFilter, search
from audit.store import audit_engine
from hub.cli.seeding import seed_all
from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from policies.loader import PACKAGED
from tests.conftest import AS_OF, SEED, sqlite_settings

ROOT = Path(__file__).resolve().parents[2]
RULE = "treatment-keyworker,*,housing_reference,deny,,,Housing ISA,HOUS-ISA 3.4,"
CHANGED = "treatment-keyworker,*,housing_reference,allow,,,Housing ISA,HOUS-ISA 3.4,"
QUERY = '{ person(id: "H00000001") { identifiers { nhsNumber housingReference } } }'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(settings: Settings, policy_dir: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test", "HUB_DATA_DIR": str(settings.data_dir),
            "HUB_INDEX_DB": settings.index_url, "HUB_AUDIT_DB": settings.audit_url,
            "HUB_POLICY_DIR": str(policy_dir), "HUB_POLICY_SYNC": "postgresql",
            **{f"HUB_{a.upper()}_DB": url for a, url in settings.agency_urls.items()}}


async def start(settings: Settings, policy_dir: Path) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(port), cwd=ROOT,
        env=env_for(settings, policy_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return proc, port
            except httpx.TransportError:
                pass
            if proc.returncode is not None:
                err = await proc.stderr.read() if proc.stderr else b""
                raise AssertionError(f"replica exited: {err.decode()[-2000:]}")
            await asyncio.sleep(0.2)
    raise AssertionError("replica did not become ready")


@pytest.fixture
async def replicas(tmp_path: Path, make_pg_database: Any) -> Any:
    index_url, audit_url = await make_pg_database("index"), await make_pg_database("audit")
    settings = sqlite_settings(tmp_path).model_copy(update=dict(index_url=index_url, audit_url=audit_url))
    await seed_all(settings, people=60, seed=SEED, as_of=AS_OF)
    dirs = []
    for name in ("a", "b"):
        target = tmp_path / f"policies-{name}"
        shutil.copytree(PACKAGED, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        dirs.append(target)
    started = [await start(settings, d) for d in dirs]
    yield settings, dirs, started
    for proc, _port in started:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)


async def test_policy_change_reaches_the_other_replica_and_a_killed_replica_loses_no_record(replicas: Any) -> None:
    settings, dirs, ((a, port_a), (b, port_b)) = replicas
    token = issue_dev_token(settings, user="keyworker-001", agency="treatment", roles=["treatment-keyworker"])
    headers = {"authorization": f"Bearer {token}", "x-purpose-of-use": "continuity-of-care"}

    async with httpx.AsyncClient(timeout=10) as client:
        async def housing_ref(port: int) -> Any:
            r = await client.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, headers=headers)
            return r.json()["data"]["person"]["identifiers"]["housingReference"]

        assert await housing_ref(port_b) is None
        isa = dirs[0] / "agreements" / "housing-isa.csv"
        isa.write_text(isa.read_text().replace(RULE, CHANGED))
        changed_at = time.monotonic()
        while await housing_ref(port_b) is None:
            assert time.monotonic() - changed_at < 5, "replica b did not enforce replica a's change within 5 s"
            await asyncio.sleep(0.1)

        answered: list[str] = []
        stop = asyncio.Event()

        async def load(port: int) -> None:
            while not stop.is_set():
                request_id = f"load-{uuid.uuid4().hex}"
                try:
                    r = await client.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY},
                                          headers={**headers, "x-request-id": request_id})
                except httpx.TransportError:
                    if port == port_a:
                        return  # replica a was killed: its in-flight requests get no response
                    raise
                assert r.status_code == 200, r.text
                answered.append(request_id)

        workers = [asyncio.create_task(load(p)) for p in (port_a, port_b) for _ in range(4)]
        await asyncio.sleep(1.5)
        a.send_signal(signal.SIGKILL)
        await a.wait()
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.gather(*workers)

    b.send_signal(signal.SIGTERM)  # graceful: drains and flushes pending records
    await asyncio.wait_for(b.wait(), 30)
    # uvicorn re-raises the signal after its graceful shutdown, so the status is the signal's own
    assert b.returncode in (0, -signal.SIGTERM)
    assert b.stderr is not None and b"Application shutdown complete" in await b.stderr.read()

    engine = audit_engine(settings.audit_url)
    try:
        report = await verify(engine, ensure_checkpoint_keys(settings.keys_dir))
        records, _ = await search(engine, AuditFilter(), first=100_000)
    finally:
        await engine.dispose()
    assert report.ok, report.summary()
    recorded = {r.event.request_id for r in records}
    assert len(answered) > 50
    assert set(answered) <= recorded, "a response left without its audit record"
    # Records without a response: only requests in flight on replica a when it was killed (4 connections).
    load_records = {r.event.request_id for r in records if r.event.request_id.startswith("load-")}
    assert len(load_records - set(answered)) <= 4
    cli = await asyncio.create_subprocess_exec(sys.executable, "-m", "hub.cli", "audit", "verify", cwd=ROOT,
                                               env=env_for(settings, dirs[1]), stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT)
    output, _ = await asyncio.wait_for(cli.communicate(), 60)
    assert cli.returncode == 0, output.decode()
    assert b"intact" in output

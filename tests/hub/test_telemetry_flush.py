"""A served hub stopped by SIGTERM (a rolling restart) still delivers the spans and metrics it holds.

The batch span processor and the metric reader are set to export only once a minute, so whatever
reaches the exporter within the test's few seconds was flushed at shutdown.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys

import httpx

from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.production.test_replicas import ROOT, free_port

QUERY = '{ people(first: 3) { edges { node { id name } } } }'


async def test_sigterm_right_after_a_query_flushes_its_spans_and_metrics(settings: Settings) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test", "HUB_DATA_DIR": str(settings.data_dir),
           "HUB_INDEX_DB": settings.index_url, "HUB_AUDIT_DB": settings.audit_url,
           **{f"HUB_{a.upper()}_DB": url for a, url in settings.agency_urls.items()},
           "OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "console",
           "OTEL_BSP_SCHEDULE_DELAY": "60000", "OTEL_METRIC_EXPORT_INTERVAL": "60000"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.cli", "serve", "--no-seed", "--port", str(port), cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    token = issue_dev_token(settings, user="iom-officer-001", agency="police", roles=["police-iom-officer"])
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(150):
                try:
                    if (await client.get(f"{base}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.returncode is None
                await asyncio.sleep(0.1)
            answer = await client.post(f"{base}/graphql", json={"query": QUERY}, headers={
                "authorization": f"Bearer {token}", "x-purpose-of-use": "iom"})
        assert answer.status_code == 200 and "errors" not in answer.json()
        trace_id = answer.headers["x-trace-id"]
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    # Uvicorn ends by re-raising the signal, as a process stopped by it should.
    assert proc.returncode in (0, -signal.SIGTERM), err.decode()[-2000:]
    assert b"Application shutdown complete" in err
    text = out.decode()
    assert trace_id in text.replace("0x", ""), "the query's spans never reached the exporter"
    assert '"resource_metrics"' in text, "the metrics never reached the exporter"
    # The spans exported are whole JSON documents, each one of this service's.
    assert json.loads(text[text.index("{"):text.index("\n}") + 2])["resource"]["attributes"]["service.name"]

"""A served hub stopped by SIGTERM (a rolling restart) still delivers the spans and metrics it holds.

The batch span processor and the metric reader are set to export only once a minute, so whatever
reaches the exporter within the test's few seconds was flushed at shutdown.
"""

from __future__ import annotations

import asyncio
import json
import signal

import httpx

from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.served import served

QUERY = '{ people(first: 3) { edges { node { id name } } } }'


async def test_sigterm_right_after_a_query_flushes_its_spans_and_metrics(settings: Settings) -> None:
    token = issue_dev_token(settings, user="iom-officer-001", agency="police", roles=["police-iom-officer"])
    async with served(settings, {"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "console",
                                 "OTEL_BSP_SCHEDULE_DELAY": "60000", "OTEL_METRIC_EXPORT_INTERVAL": "60000"},
                      capture=True) as hub:
        async with httpx.AsyncClient() as client:
            answer = await client.post(f"{hub.base}/graphql", json={"query": QUERY}, headers={
                "authorization": f"Bearer {token}", "x-purpose-of-use": "iom"})
        assert answer.status_code == 200 and "errors" not in answer.json()
        trace_id = answer.headers["x-trace-id"]
        hub.process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(hub.process.communicate(), 30)
    # Uvicorn ends by re-raising the signal, as a process stopped by it should.
    assert hub.process.returncode in (0, -signal.SIGTERM), err.decode()[-2000:]
    assert b"Application shutdown complete" in err
    text = out.decode()
    assert trace_id in text.replace("0x", ""), "the query's spans never reached the exporter"
    assert '"resource_metrics"' in text, "the metrics never reached the exporter"
    # The spans exported are whole JSON documents, each one of this service's.
    assert json.loads(text[text.index("{"):text.index("\n}") + 2])["resource"]["attributes"]["service.name"]

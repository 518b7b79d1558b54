"""An agency API that is down, slow, failing, malformed, of the wrong shape or refusing the hub's token:
CONNECTOR_UNAVAILABLE at that agency's paths and nothing of its answer, the rest of the answer standing,
the audit outcome ``error``; reads retried only where another try can help; within the time budget; and
a circuit that opens, answers at once, and closes again through a probe (real processes on loopback)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.http.connector import HttpConnector, connect_http
from connectors.registry import named
from hub.core.agency import SourceUnavailable
from hub.core.settings import AgencyService, Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.agency_api.services import Running, over_http, stop, wait_until_up
from tests.http.conftest import Governed
from tests.production.test_replicas import ROOT, free_port

PAGE = """query { people(first: 5) { edges { node { id name police { iomCohort }
  probation { ogrsScore roshLevel } } } } }"""
#: mode -> the failure kind the connector reports, and how many calls the agency saw (retries)
MODES = {"5xx": ("http_503", 3), "malformed": ("malformed", 1), "wrong_schema": ("wrong_schema", 1),
         "bad_token": ("token_refused", 3), "slow": ("timeout", 1)}
BUDGET_MS = 1000


@pytest.fixture(scope="module")
def faulty() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tests.agency_api.faulty_agency", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, "the faulty agency")
        yield url
    finally:
        stop(process)


def _set(url: str, mode: str) -> int:
    httpx.post(f"{url}/_mode", json={"mode": mode})
    return int(httpx.get(f"{url}/_calls").json()["calls"])


def _police_at(settings: Settings, url: str, **service: Any) -> Settings:
    police = AgencyService(api=url, client_secret=SecretStr("unused-by-the-faulty-agency"), timeout_ms=BUDGET_MS,
                           **service)
    return settings.model_copy(update={"agency_services": {**settings.agency_services, "police": police}})


@pytest.fixture
async def police(settings: Settings, faulty: str) -> AsyncIterator[HttpConnector]:
    connector = connect_http(named("police").agency, _police_at(settings, faulty))
    assert isinstance(connector, HttpConnector)
    yield connector
    await connector.close()


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_each_fault_is_a_typed_failure_retried_only_where_it_can_help(
        police: HttpConnector, faulty: str, mode: str) -> None:
    kind, attempts = MODES[mode]
    before = _set(faulty, mode)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        await police.nominals(["2001/0000001Z"])  # type: ignore[attr-defined]
    elapsed = time.monotonic() - started
    assert raised.value.failure == kind and raised.value.agency == "police"
    # nothing chained, shown or not: an attempt's exception may quote the agency's answer
    assert raised.value.__cause__ is None and raised.value.__context__ is None
    assert "SECRET" not in repr(raised.value) and "2001/0000001Z" not in repr(raised.value)
    assert _set(faulty, "empty") - before == attempts
    assert elapsed < BUDGET_MS / 1000 * 1.1, f"held {elapsed:.3f}s past a {BUDGET_MS} ms budget"


@pytest.mark.parametrize("mode", [*sorted(MODES), "disordered"])
async def test_the_change_feed_fails_typed_like_every_call_and_refuses_rows_out_of_order(
        police: HttpConnector, faulty: str, mode: str) -> None:
    kind = MODES[mode][0] if mode in MODES else "wrong_schema"
    _set(faulty, "empty")
    feed = police.change_feed()
    assert await feed.read_after(0) == [] and await feed.head() == 0
    _set(faulty, mode)
    reads: dict[str, Callable[[], Awaitable[object]]] = {
        "rows": lambda: feed.read_after(2), "head": feed.head,
        "position_at": lambda: feed.position_at("2026-12-02T00:00:00Z")}
    for name, read in reads.items():
        if mode == "disordered" and name != "rows":  # its positions are well formed
            await read()
            continue
        with pytest.raises(SourceUnavailable) as raised:
            await read()
        assert raised.value.failure == kind and raised.value.__cause__ is None
        assert "SECRET" not in repr(raised.value)
    _set(faulty, "empty")
    police.breaker.succeeded()


async def test_an_agency_that_is_down_is_unreachable_within_its_budget(settings: Settings) -> None:
    down = connect_http(named("police").agency, _police_at(settings, f"http://127.0.0.1:{free_port()}"))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        await down.caseload("iom-officer-001")
    assert raised.value.failure == "unreachable" and time.monotonic() - started < BUDGET_MS / 1000 * 1.1
    await down.close()


async def test_a_real_agency_refuses_a_wrong_client_secret(settings: Settings, services: dict[str, Running]) -> None:
    configured = over_http(settings, {"police": services["police"]})
    wrong = configured.model_copy(update={"agency_services": {"police": AgencyService(
        api=services["police"].url, client_secret=SecretStr("not-the-secret"))}})
    connector = connect_http(named("police").agency, wrong)
    with pytest.raises(SourceUnavailable) as raised:
        await connector.caseload("iom-officer-001")
    assert raised.value.failure == "token_refused"
    await connector.close()


@pytest.mark.parametrize("mode", ["down", *sorted(MODES)])
async def test_a_failing_agency_fails_only_its_paths_and_is_audited_as_an_error(
        settings: Settings, faulty: str, mode: str) -> None:
    url = f"http://127.0.0.1:{free_port()}" if mode == "down" else faulty
    _set(faulty, "empty" if mode == "down" else mode)
    configured = _police_at(settings, url)
    hub = Hub.open(configured)
    app = create_app(configured, hub=hub)
    governed = Governed(app, configured, hub)
    try:
        got = await governed.ask(PAGE, role="probation-practitioner", purpose="mappa")
        records = await governed.records()
    finally:
        _set(faulty, "empty")
        await app.state.governance.audit.close()
        await hub.close()
    nodes = [e["node"] for e in got["data"]["people"]["edges"]]
    assert len(nodes) == 5 and all(n["police"] is None for n in nodes)
    assert all(n["name"] and n["probation"]["ogrsScore"] is not None for n in nodes), "the rest stands"
    failed = [e for e in got["errors"] if e["extensions"]["code"] == "CONNECTOR_UNAVAILABLE"]
    assert failed and all(e["path"][-1] == "police" and e["extensions"]["agency"] == "police" for e in failed)
    text = json.dumps(got)
    assert "SECRET-DETAIL" not in text and "2001/0000001Z" not in text
    for kind in ("http_503", "malformed", "wrong_schema", "token_refused", "timeout", "unreachable"):
        assert kind not in text, "the failure's kind is for the logs and /readyz, not the caller"
    record = records[-1]
    assert record.event.outcome == "error" and "CONNECTOR_UNAVAILABLE" in record.event.error_codes
    assert "SECRET-DETAIL" not in json.dumps(record.event.__dict__, default=str)


async def test_the_circuit_opens_answers_at_once_and_closes_through_a_probe(
        settings: Settings, faulty: str) -> None:
    configured = _police_at(settings, faulty)
    hub = Hub.open(configured)
    app = create_app(configured, hub=hub)
    police = hub.agencies["police"]
    assert isinstance(police, HttpConnector)
    police.breaker.reset_seconds = 60.0  # open until the test says the time is up (below)
    try:
        _set(faulty, "malformed")
        for _ in range(police.breaker.threshold):
            with pytest.raises(SourceUnavailable):
                await police.caseload("iom-officer-001")
        assert police.circuit == "open"
        calls = _set(faulty, "empty")
        started = time.perf_counter()
        for _ in range(200):
            with pytest.raises(SourceUnavailable) as raised:
                await police.caseload("iom-officer-001")
            assert raised.value.failure == "circuit_open"
        per_call = (time.perf_counter() - started) / 200
        assert per_call < 0.001, f"an open circuit cost {per_call * 1000:.3f} ms a call"
        assert _set(faulty, "empty") == calls, "nothing was sent while open"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            ready = (await client.get("/readyz")).json()
            assert ready["circuits"]["police"] == "open" and ready["checks"]["police"] == "failing: circuit_open"
            assert ready["circuits"]["probation"] == "closed" if "probation" in ready["circuits"] else True
            police.breaker.reset_seconds = 0.0  # the time is up: the next call is a probe
            assert police.circuit == "half_open"
            assert await police.caseload("iom-officer-001") == set()  # the probe, answered
            assert police.circuit == "closed"
            ready = (await client.get("/readyz")).json()
            assert ready["circuits"] == {"police": "closed"} and ready["checks"]["police"] == "ok"
    finally:
        _set(faulty, "empty")
        await hub.close()

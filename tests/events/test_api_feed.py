"""Change capture for an agency reached over its API: police served by ``hub agency serve`` (a real process on
loopback) publishes its outbox as a change feed, and a hub that reaches police over HTTP tells its subscribers,
replays, and keeps durable cursors in its own store, as it does for an agency whose database it opens. Event
ids are opaque: no position in them, keyed by the deployment's secret."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from connectors.http.connector import HttpConnector
from connectors.registry import named
from hub.cli.simulate import arrest, release
from hub.core.db import create_engine
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.events import outbox
from hub.events.ids import EventIds, load_event_ids
from hub.events.stream import DurableConsumer, EventStream, Source, event_stream, trace_id_of
from hub.events.triggers import sqlite_trigger
from hub.web.runtime import Hub
from tests.agency_api.services import Running, over_http, stop, wait_until_up
from tests.conftest import admin_sql, postgres_base_url
from tests.events.conftest import audit_records, serving, sql, subscriber
from tests.production.test_replicas import ROOT, free_port

#: On om-001's caseload and in iom-officer-001's cohort (synthetic/population.py's guarantees).
PERSON = "H00000001"
ARRESTS = """subscription Overnight($since: DateTime) {
  arrests(since: $since) { eventId personId offence outcome } }"""


@dataclass
class PoliceService:
    """``hub agency serve police`` over the test's police database, on a port it keeps across restarts."""

    settings: Settings
    keys: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> Running:
        assert self.process is not None
        return Running("police", f"http://127.0.0.1:{self.port}", self.process,
                       self.keys / "keys" / "police-api-client.secret")

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test", "HUB_DATA_DIR": str(self.keys),
               "HUB_POLICE_DB": self.settings.agency_url("police")}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "agency", "serve", "police", "--port", str(self.port), "--no-seed"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until_up(self.running.url, self.process, "the police service")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def _without_capture(settings: Settings) -> None:
    """Police's database as an agency's system that has never captured a change (a hub on the shared seeded
    data may have installed capture before it was copied)."""
    capture = named("police").agency.capture
    assert capture is not None
    sql(settings, "police", "DROP TABLE IF EXISTS hub_outbox_police")
    sql(settings, "police", "DROP TABLE IF EXISTS hub_outbox_cursor_police")
    for trigger in capture.triggers:
        sql(settings, "police", f"DROP TRIGGER IF EXISTS {trigger.name}")


@pytest.fixture
def police(own_settings: Settings, tmp_path: Path) -> Iterator[PoliceService]:
    _without_capture(own_settings)
    service = PoliceService(own_settings, tmp_path / "police-service", free_port())
    service.start()
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def api_settings(own_settings: Settings, police: PoliceService) -> Settings:
    """The hub reaching police over its API (the other agencies' databases as before)."""
    return over_http(own_settings, {"police": police.running}, timeout_ms=10_000)


def _tables(settings: Settings, store: str) -> set[str]:
    url = (settings.index_url if store == "index" else settings.agency_url(store)).replace("+aiosqlite", "")
    from sqlalchemy import create_engine as sync_engine

    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"))
            return {r[0] for r in found}
    finally:
        engine.dispose()


def test_an_arrest_reaches_a_subscriber_of_a_hub_that_reaches_police_over_its_api(api_settings: Settings) -> None:
    capture = named("police").agency.capture
    assert capture is not None
    # the agency's service installed its own capture at start, before any hub or simulated change
    installed = {"hub_outbox_police", *(sqlite_trigger(t, "police")[0] for t in capture.triggers)}
    assert installed <= _tables(api_settings, "police")
    with serving(api_settings) as client:
        ws = subscriber(client, api_settings, "probation-practitioner", ARRESTS)
        time.sleep(0.3)  # the stream has placed itself at the feed's head
        started = time.monotonic()
        asyncio.run(arrest(api_settings, PERSON))  # police's own rows, as its system would
        message = ws.receive_json()
        took = time.monotonic() - started
        assert message["type"] == "next", message
        event = message["payload"]["data"]["arrests"]
        assert event["personId"] == PERSON and event["outcome"] == "BAILED"
        assert took < 1.0, took  # issue 15's bound, the feed polled over HTTP
    ids = load_event_ids(api_settings)
    police_db = create_engine(api_settings.agency_url("police"))
    rows = asyncio.run(outbox.read_after(police_db, "police", 0))
    asyncio.run(police_db.dispose())
    assert event["eventId"] == ids("police", rows[-1].position)
    [record] = [r.event for r in audit_records(api_settings) if r.event.operation_name == "Arrested"]
    assert record.request_id.startswith(event["eventId"] + "/") and record.subjects == (PERSON,)
    assert record.trace_id == trace_id_of(event["eventId"]) != trace_id_of(f"police-{rows[-1].position}")
    # the hub keeps only its cursors, in its own store: no outbox of police's there
    index_tables = _tables(api_settings, "index")
    assert "hub_outbox_cursor_police" in index_tables and "hub_outbox_police" not in index_tables


async def test_replay_since_and_a_durable_cursor_work_over_the_feed(api_settings: Settings) -> None:
    hub = Hub.open(api_settings)
    assert isinstance(hub.agencies["police"], HttpConnector)
    stream = event_stream(api_settings, hub.agencies, hub.index)
    assert not hasattr(hub.agencies["police"], "db") and stream.sources["police"].engine is hub.index.engine
    try:
        await stream.install()
        assert await DurableConsumer(stream, "partner-a").next_batch() == []  # a new consumer starts at the head
        before = (datetime.now(UTC) - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
        await arrest(api_settings, PERSON)
        await arrest(api_settings, PERSON)
        first = [e for e in await DurableConsumer(stream, "partner-a").next_batch() if e.row.agency == "police"]
        assert [e.kind.name for e in first] == ["Arrested", "Arrested"]
        await DurableConsumer(stream, "partner-a").ack(first[0])
        # the cursor is the hub's, in its index database, and holds across a new consumer object (a restart)
        assert await outbox.cursor(hub.index.engine, "police", "partner-a") == first[0].row.position
        again = [e for e in await DurableConsumer(stream, "partner-a").next_batch() if e.row.agency == "police"]
        assert [e.event_id for e in again] == [first[1].event_id]
        # replay since: what a subscription's ``since`` asks for, read through the feed's position-at
        await stream.start()
        replayed = await stream.replay(before, dict(stream.positions))
        assert [e.event_id for e in replayed if e.row.agency == "police"] == [e.event_id for e in first]
    finally:
        await stream.stop()
        await hub.close()


async def test_a_feed_that_is_down_is_retried_and_loses_nothing(api_settings: Settings, police: PoliceService,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub.open(api_settings)
    connector = hub.agencies["police"]
    assert isinstance(connector, HttpConnector)
    connector.breaker.reset_seconds = 0.5  # the circuit probes soon, so the test need not wait 10 s
    stream = event_stream(api_settings, hub.agencies, hub.index)
    caplog.set_level(logging.INFO, logger="hub.events")
    try:
        await stream.start()
        async with stream.listen() as queue:
            police.stop()
            await arrest(api_settings, PERSON)  # captured in police's database while its service is down
            await asyncio.sleep(0.5)
            # probation, read from its database, is not held up by police's feed
            await release(api_settings, PERSON, datetime.now(UTC).date() + timedelta(days=30), early=True)
            stream.wake("probation")
            told = await asyncio.wait_for(queue.get(), 5)
            assert told.row.agency == "probation"
            assert queue.empty()
            police.start()
            back = await asyncio.wait_for(queue.get(), 15)  # retried with backoff: the arrest was not lost
            assert back.row.agency == "police" and back.kind.name == "Arrested" and back.person_id == PERSON
            await asyncio.sleep(0.3)  # the reader finishes its turn (and says it reads again)
    finally:
        await stream.stop()
        await hub.close()
    failed = [r for r in caplog.records if r.getMessage() == "reading an agency's change capture failed"]
    assert failed and all(getattr(r, "agency", "") == "police" for r in failed)
    assert len(failed) <= 3  # once per kind of failure, not once a turn
    assert any(r.getMessage() == "reading an agency's change capture again" for r in caplog.records)
    for r in failed:  # the kind of failure, never a value, a key or the agency's answer
        assert set(vars(r)) & {"error_type", "failure"} and PERSON not in r.getMessage()


async def test_an_api_agencys_consumer_state_may_live_in_postgresql(api_settings: Settings) -> None:
    """The hub's index database on PostgreSQL (production): replicas installing together create the cursor
    table once, and a durable cursor over the feed lives there."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("HUB_TEST_POSTGRES_URL not set (CI sets it)")
    name = f"hubtest_feedstate_{uuid.uuid4().hex[:10]}"
    await admin_sql(base, f'CREATE DATABASE "{name}"')
    state = create_engine(make_url(base).set(database=name).render_as_string(hide_password=False))
    hub = Hub.open(api_settings)
    try:
        connector = hub.agencies["police"]
        assert isinstance(connector, HttpConnector)
        agency = named("police").agency
        assert agency.capture is not None
        source = Source("police", state, agency.capture, agency.key_scheme, connector.change_feed())
        replicas = [EventStream([source], hub.index,
                                ids=load_event_ids(api_settings)) for _ in range(3)]
        await asyncio.gather(*(r.install() for r in replicas))
        assert await DurableConsumer(replicas[0], "partner-pg").next_batch() == []
        await arrest(api_settings, PERSON)
        [event] = await DurableConsumer(replicas[1], "partner-pg").next_batch()
        await DurableConsumer(replicas[1], "partner-pg").ack(event)
        assert await outbox.cursor(state, "police", "partner-pg") == event.row.position
        assert await DurableConsumer(replicas[2], "partner-pg").next_batch() == []
        assert event.event_id == load_event_ids(api_settings)("police", event.row.position)
    finally:
        await hub.close()
        await state.dispose()
        await admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_feed_refuses_an_unauthenticated_caller(police: PoliceService) -> None:
    url = police.running.url
    for header in ({}, {"authorization": "Bearer not-a-token"}):
        for path, body in (("/v1/changes", {"after": 0}), ("/v1/changes/head", {}),
                           ("/v1/changes/position-at", {"occurred_at": "2026-12-01T00:00:00Z"})):
            answer = httpx.post(f"{url}{path}", json=body, headers=header)
            assert answer.status_code == 401 and answer.json() == {"error": "invalid_token"}, path


def test_event_ids_are_opaque_and_keyed(tmp_path: Path) -> None:
    ids, other = EventIds(b"k" * 32), EventIds(b"j" * 32)
    positions = range(1, 201)
    named = [ids("police", n) for n in positions]
    assert all(len(i) == 32 and "police" not in i and "-" not in i for i in named)
    assert len(set(named)) == len(named)
    assert named != sorted(named)  # their order says nothing of the outbox's
    assert [other("police", n) for n in positions] != named  # another key, other ids
    assert ids("police", 7) == EventIds(b"k" * 32)("police", 7) != ids("probation", 7)  # same key, same id
    # the deployment's key: generated once outside production (0600), required in production
    dev = Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "test"})
    assert load_event_ids(dev) == load_event_ids(dev)
    assert (tmp_path / "keys" / "event-id.key").stat().st_mode & 0o777 == 0o600
    prod = Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "production"})
    with pytest.raises(ConfigurationError, match="HUB_EVENT_ID_KEY_FILE"):
        load_event_ids(prod)
    short = tmp_path / "short.key"
    short.write_text("too short")
    with pytest.raises(ConfigurationError, match="fewer than 32"):
        load_event_ids(prod.model_copy(update={"event_id_key_file": short}))
    secret = tmp_path / "event-id.prod"
    secret.write_text("f" * 64 + "\n")
    assert load_event_ids(prod.model_copy(update={"event_id_key_file": secret})) == EventIds(b"f" * 64)
    assert Settings.from_env({"HUB_EVENT_ID_KEY_FILE": str(secret)}).event_id_key_file == secret

"""Webhooks: configuration checked like the agreements, Standard Webhooks signatures verified by the library's
own verifier, retries that lose nothing, the dead-letter list and its replay."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from audit.record import AuditEvent, StoredRecord
from audit.review import AuditFilter, search
from audit.store import AuditStore, audit_engine
from hub.cli import main
from hub.cli.simulate import release
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.events import webhook_state as state
from hub.events.delivery import AuditSink, Loads, Subscriber
from hub.events.stream import EventStream, event_stream
from hub.events.webhook_state import UNDELIVERED
from hub.events.webhooks import Endpoint, WebhookSender, dead_letters, load_endpoints
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.loader import policy_dir
from policies.store import PolicyStore
from tests.events.conftest import sql
from tests.events.test_broker import PERSON, replica
from tests.production.test_replicas import free_port

SECRET = "whsec_" + base64.b64encode(b"synthetic webhook secret 0123456").decode()
CRN = "X191204"


@dataclass
class Receiver:
    """A partner's receiver: refuses the first ``failures`` attempts, then verifies and keeps each message."""

    failures: int
    url: str = ""
    attempts: list[str] = field(default_factory=list)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: when each attempt arrived (monotonic clock)
    times: list[float] = field(default_factory=list)
    #: called once each attempt is answered
    answered: Callable[[], None] | None = None

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.attempts.append(request.headers["webhook-id"])
        self.times.append(time.monotonic())
        if self.answered is not None:
            self.answered()
        if len(self.attempts) <= self.failures:
            return Response(status_code=503)
        message = Webhook(SECRET).verify(body, dict(request.headers))  # raises on a bad signature
        self.accepted.setdefault(request.headers["webhook-id"], message)  # idempotent by webhook id
        return Response(status_code=204)


@contextlib.asynccontextmanager
async def receiving(receiver: Receiver) -> AsyncIterator[Receiver]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])]),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn says so with a flag, not an event
        await asyncio.sleep(0.01)
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def sender(settings: Settings, url: str, schedule: tuple[float, ...], *,
                 audit: Callable[[AuditStore], AuditSink] | None = None,
                 policy_dir: Path | None = None) -> AsyncIterator[WebhookSender]:
    """A hub process's sender for the probation case system (``audit``: a sink around its audit store;
    ``policy_dir``: agreements other than the packaged ones)."""
    hub = Hub.open(settings)
    stream = event_stream(settings, hub.agencies, hub.index)  # the deployment's ids: stable across restarts
    store = await AuditStore.open(settings)
    policy = PolicyStore.open(settings.model_copy(update={"policy_dir": policy_dir}) if policy_dir else settings
                              ).current()
    endpoint = Endpoint("case-system", "probation-case-system", "probation", "probation-practitioner", "iom",
                        frozenset({"ReleaseScheduled"}), url, "env:HUB_TEST_WEBHOOK_SECRET")
    plan = policy.plan((endpoint.role,), endpoint.purpose)
    conditions = CallerConditions(hub.index, hub.agencies, endpoint.agency, endpoint.client)
    out = WebhookSender(endpoint, stream, plan, conditions, policy.version, Loads(hub.agencies, hub.index),
                        audit(store) if audit else store, schedule=schedule)
    try:
        await stream.install()
        await out.consumer.next_batch()  # the endpoint's cursor starts here
        yield out
    finally:
        await out.close()
        await store.close()
        await hub.close()


async def move_release(settings: Settings, days: int) -> None:
    from sqlalchemy import text

    from hub.core.db import create_engine

    index = create_engine(settings.index_url)
    async with index.connect() as conn:
        person = (await conn.execute(text("SELECT person_id FROM person_link WHERE scheme = 'crn' AND value = :v"),
                                     {"v": CRN})).scalar_one()
    await index.dispose()
    probation = create_engine(settings.agency_url("probation"))
    async with probation.connect() as conn:
        planned = (await conn.execute(text("SELECT max(release_date) FROM sentence WHERE crn = :c"),
                                      {"c": CRN})).scalar_one()
    await probation.dispose()
    from datetime import date

    await release(settings, person, date.fromisoformat(str(planned)) - timedelta(days=days), early=True)


async def test_a_receiver_failing_three_times_loses_nothing(own_settings: Settings,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    async with receiving(Receiver(failures=3)) as receiver, \
            sender(own_settings, receiver.url, (0, 0.05, 0.1, 0.2, 0.4)) as out:
        await move_release(own_settings, 10)
        await move_release(own_settings, 12)
        assert await out.once() == 2
    # each message tried until accepted, under one id; both delivered, in order, signatures verified
    assert len(receiver.attempts) == 5 and receiver.attempts[:4] == [receiver.attempts[0]] * 4
    stamps = [p["timestamp"] for p in receiver.accepted.values()]  # ids are opaque: order by capture time
    assert len(stamps) == 2 and stamps == sorted(stamps)
    first = receiver.accepted[receiver.attempts[0]]
    assert first["type"] == "ReleaseScheduled" and first["data"]["releaseType"] == "early_release"
    assert "licenceConditions" in first["data"]  # the probation practitioner's own agency's licence


async def test_a_bad_signature_is_refused_by_the_verifier() -> None:
    from standardwebhooks.webhooks import WebhookVerificationError

    body = '{"type": "ReleaseScheduled"}'
    signer = Webhook(SECRET)
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    headers = {"webhook-id": "probation-1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signer.sign("probation-1", now, body)}
    assert Webhook(SECRET).verify(body, headers) == {"type": "ReleaseScheduled"}
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace("Scheduled", "d"), headers)


async def test_dead_letters_are_listed_and_replayed(own_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    async with receiving(Receiver(failures=100)) as down, sender(own_settings, down.url, (0, 0.05)) as out:
        await move_release(own_settings, 10)
        assert await out.once() == 1
        [dead] = await dead_letters(out.stream.sources["probation"].engine, "probation")
        assert (dead["endpoint"], dead["attempts"], dead["last_error"]) == ("case-system", 2, "HTTP 503")
        assert dead["event_type"] == "ReleaseScheduled"
        # the receiver is back: information governance replays the dead letter
        down.failures = 0
        assert await out.replay("probation", dead["event_position"])
        assert await dead_letters(out.stream.sources["probation"].engine, "probation") == []
    assert len(down.accepted) == 1


@pytest.mark.parametrize(("row", "problem"), [
    ("a,sys,housing,probation-practitioner,iom,Arrested,https://x.example/h,env:S", "may hold"),
    ("a,sys,probation,probation-practitioner,victim-contact,Arrested,https://x.example/h,env:S", "not permitted"),
    ("a,sys,probation,probation-practitioner,iom,Exploded,https://x.example/h,env:S", "unknown events"),
    ("a,sys,probation,probation-practitioner,iom,Arrested,http://x.example/h,env:S", "https"),
    ("a,sys,probation,probation-practitioner,iom,Arrested,https://x.example/h,whsec_abc", "reference"),
])
def test_endpoint_configuration_is_checked(tmp_path: Path, row: str, problem: str) -> None:
    from connectors.registry import AGENCIES

    policy = PolicyStore.open().current()
    known = frozenset(k.name for a in AGENCIES if a.agency.capture for k in a.agency.capture.kinds)
    path = tmp_path / "webhooks.csv"
    path.write_text("name,client,agency,role,purpose,events,url,secret\n" + row + "\n")
    with pytest.raises(ConfigurationError, match=problem):
        load_endpoints(path, known, policy.agreements.roles.agencies_of,
                       lambda role, purpose: policy.purpose_permitted((role,), purpose))
    packaged = load_endpoints(Path("policies/webhooks.csv"), known, policy.agreements.roles.agencies_of,
                              lambda role, purpose: policy.purpose_permitted((role,), purpose))
    assert packaged == []


# ---- the audit of a delivery that never happened, and retries that survive a restart ----

CASE_SYSTEM = "probation-case-system"


async def trail(settings: Settings, actor: str = CASE_SYSTEM) -> list[StoredRecord]:
    """The actor's audit records, oldest first."""
    engine = audit_engine(settings.audit_url)
    try:
        found, _ = await search(engine, AuditFilter(actor=actor), first=1000)
    finally:
        await engine.dispose()
    return list(reversed(found))


async def series_of(out: WebhookSender, agency: str = "probation") -> list[tuple[state.Key, state.Series]]:
    """The retry series the sender's store holds (dead or alive)."""
    return await series_of_engine(out.stream.sources[agency].engine)


async def series_of_engine(engine: AsyncEngine) -> list[tuple[state.Key, state.Series]]:
    from sqlalchemy import select

    async with engine.begin() as conn:
        await conn.run_sync(state.create_tables)
        rows = (await conn.execute(select(state.RETRY))).all()
    return [(state.Key(r.endpoint, r.agency, r.event_position),
             state.Series(r.attempts, datetime.fromisoformat(r.due_at), r.audit_seq, r.disclosure, r.last_error,
                          bool(r.dead))) for r in rows]


def assert_follow_up(follow: StoredRecord, delivery: StoredRecord) -> None:
    """``follow`` says that what ``delivery`` records as disclosed never reached the receiver."""
    f, d = follow.event, delivery.event
    assert follow.seq > delivery.seq
    assert (f.request_id, f.trace_id, f.actor_id, f.purpose, f.subjects, f.operation_name) == (
        d.request_id, d.trace_id, d.actor_id, d.purpose, d.subjects, d.operation_name)
    assert (f.outcome, f.error_codes) == ("error", (UNDELIVERED,))
    assert f.disclosed == {} and f.masked == {} and f.withheld == {} and f.clauses == ()
    assert [(a.subjects, a.disclosed, a.masked) for a in f.access] == [(d.subjects, (), {})]
    assert f"#{delivery.seq} " in f.justification


async def test_a_dead_letter_is_followed_in_the_audit_by_the_record_that_it_never_arrived(
        own_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from audit.review import subject_entries
    from schema.graph.types.audit import AuditRecord, SubjectDisclosure

    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    async with receiving(Receiver(failures=100)) as down, sender(own_settings, down.url, (0, 0.05)) as out:
        await move_release(own_settings, 10)
        assert await out.once() == 1
        [dead] = await dead_letters(out.stream.sources["probation"].engine, "probation")
        assert await series_of(out) == []  # the series is done: dead-lettered, its follow-up written
        delivery, follow = await trail(own_settings)
        assert delivery.event.outcome in {"ok", "partial"} and delivery.event.error_codes == ()
        assert "ProbationRecord.releaseDate" in delivery.event.disclosed["probation"]
        assert_follow_up(follow, delivery)
        assert "dead-lettered after 2 attempts, the last HTTP 503" in follow.event.justification
        # information governance reads the pair as such: in search, and in the person's subject access report
        [person] = delivery.event.subjects
        entries = [e for e in await subject_entries(audit_engine(own_settings.audit_url), person)
                   if e.actor_id == CASE_SYSTEM]
        assert [(e.seq, e.outcome, bool(e.disclosed)) for e in entries] == [
            (delivery.seq, delivery.event.outcome, True), (follow.seq, "error", False)]
        shown = SubjectDisclosure.of(entries[1])
        assert shown.outcome.value == "error" and f"#{delivery.seq} " in shown.justification
        assert shown.trace_id == delivery.event.trace_id and shown.disclosed == [] and shown.per_person
        assert AuditRecord.of(follow).error_codes == [UNDELIVERED]
        # the command line's subject access report
        monkeypatch.setenv("HUB_DATA_DIR", str(own_settings.data_dir))
        monkeypatch.setenv("HUB_ENV", "test")
        capsys.readouterr()
        assert await asyncio.to_thread(main, ["audit", "subject", person]) == 0
        [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith(f"#{follow.seq} ")]
        assert "outcome error; disclosed -" in line and f"#{delivery.seq} " in line
        # a replay that reaches the receiver is a delivery of its own, and stands
        down.failures = 0
        assert await out.replay("probation", dead["event_position"])
        assert len(down.accepted) == 1
        *_, replayed = await trail(own_settings)
        assert replayed.seq > follow.seq and replayed.event.outcome == delivery.event.outcome
        assert replayed.event.disclosed == delivery.event.disclosed and replayed.event.error_codes == ()
        assert await series_of(out) == [] and await dead_letters(out.stream.sources["probation"].engine,
                                                                 "probation") == []
    assert len(await trail(own_settings)) == 3


@dataclass
class Outage:
    """The audit trail, which refuses every record while ``down``."""

    store: AuditStore
    down: bool = False

    async def append(self, event: AuditEvent) -> int:
        if self.down:
            raise OSError("the audit database is unreachable")
        return await self.store.append(event)


async def test_a_follow_up_the_trail_refuses_is_owed_not_lost(own_settings: Settings,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    trails: list[Outage] = []

    def outage(store: AuditStore) -> Outage:
        trails.append(Outage(store))
        return trails[-1]

    receiver = Receiver(failures=100)
    async with receiving(receiver) as down, sender(own_settings, down.url, (0, 0.05), audit=outage) as out:
        await move_release(own_settings, 10)
        receiver.answered = lambda: setattr(trails[0], "down", True)
        assert await out.once() == 1  # the trail fell over after the delivery was recorded
        [dead] = await dead_letters(out.stream.sources["probation"].engine, "probation")
        assert dead["attempts"] == 2  # the dead letter is kept
        [(_, owed)] = await series_of(out)
        assert owed.dead and owed.attempts == 2  # and so is the follow-up owed
        [delivery] = await trail(own_settings)
        assert await out.settle() == 0  # still down
    # the trail is back; a hub starting again writes what is owed, once
    async with sender(own_settings, receiver.url, (0, 0.05)) as again:
        assert await again.once() == 0
        assert await series_of(again) == []
        assert await again.settle() == 0
        assert len(await dead_letters(again.stream.sources["probation"].engine, "probation")) == 1
    _, follow = await trail(own_settings)
    assert_follow_up(follow, delivery)
    assert owed.audit_seq == delivery.seq


async def test_a_sender_the_trail_fails_tries_again_and_loses_nothing(own_settings: Settings,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """No record, no delivery; and the sender keeps going: once the trail is back the event is delivered."""
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    trails: list[Outage] = []

    def outage(store: AuditStore) -> Outage:
        trails.append(Outage(store, down=True))
        return trails[-1]

    async with receiving(Receiver(failures=0)) as receiver, \
            sender(own_settings, receiver.url, (0, 0.05), audit=outage) as out:
        out.RETRY_SECONDS = 0.1
        await move_release(own_settings, 10)
        task = asyncio.create_task(out.run())
        try:
            await asyncio.sleep(0.5)
            assert receiver.attempts == [] and not task.done()  # not sent unrecorded, and still running
            trails[0].down = False
            await until(lambda: len(receiver.accepted) == 1)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    [delivery] = await trail(own_settings)
    assert delivery.event.outcome in {"ok", "partial"}


async def stop_after(out: WebhookSender, receiver: Receiver, attempts: int) -> None:
    """Run the sender until ``attempts`` attempts failed and the series says so, then stop it (a hub stopped
    mid-schedule)."""
    task = asyncio.create_task(out.once())
    for _ in range(200):
        found = await series_of(out)
        if len(receiver.attempts) >= attempts and found and found[0][1].attempts == attempts:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(receiver.attempts) == attempts


async def test_a_restarted_sender_resumes_the_schedule_and_records_the_delivery_once(
        own_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    schedule = (0, 0.05, 1.5, 0.05)
    async with receiving(Receiver(failures=2)) as receiver:
        async with sender(own_settings, receiver.url, schedule) as first:
            await move_release(own_settings, 10)
            await stop_after(first, receiver, 2)
            [(_, left)] = await series_of(first)
        assert left.attempts == 2 and not left.dead
        async with sender(own_settings, receiver.url, schedule) as second:
            assert await second.once() == 1
            assert await series_of(second) == []  # cleared once delivered
    # the third attempt, when it was due (1.5 s after the second), not a new series' first
    assert len(receiver.attempts) == 3 and receiver.times[2] - receiver.times[1] >= 1.4
    assert len(receiver.accepted) == 1
    [delivery] = await trail(own_settings)  # one record for the series, though two hubs sent it
    assert delivery.seq == left.audit_seq and delivery.event.outcome in {"ok", "partial"}


async def test_a_resumed_series_is_dead_lettered_after_the_schedule_s_attempts_in_all(
        own_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    schedule = (0, 0.05, 1.5, 0.05)
    async with receiving(Receiver(failures=100)) as receiver:
        async with sender(own_settings, receiver.url, schedule) as first:
            await move_release(own_settings, 10)
            await stop_after(first, receiver, 2)
        async with sender(own_settings, receiver.url, schedule) as second:
            assert await second.once() == 1
            [dead] = await dead_letters(second.stream.sources["probation"].engine, "probation")
            assert await series_of(second) == []
    assert dead["attempts"] == 4 and len(receiver.attempts) == 4  # two by each hub: the schedule once
    delivery, follow = await trail(own_settings)
    assert_follow_up(follow, delivery)


async def test_a_dead_letter_a_stopped_hub_had_not_passed_is_not_sent_again(own_settings: Settings,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    async with receiving(Receiver(failures=100)) as down:
        async with sender(own_settings, down.url, (0, 0.05)) as first:
            await move_release(own_settings, 10)
            assert await first.once() == 1
            [dead] = await dead_letters(first.stream.sources["probation"].engine, "probation")
        # as if the hub had stopped after dead-lettering the event but before moving its cursor past it
        sql(own_settings, "probation", "UPDATE hub_outbox_cursor_probation SET position = :p WHERE consumer = :c",
            p=dead["event_position"] - 1, c="webhook:case-system")
        async with sender(own_settings, down.url, (0, 0.05)) as second:
            assert await second.once() == 1
            assert await second.once() == 0  # passed now
            assert len(await dead_letters(second.stream.sources["probation"].engine, "probation")) == 1
    assert len(down.attempts) == 2  # not a second series
    assert len(await trail(own_settings)) == 2  # the delivery and its follow-up, once


@pytest.mark.parametrize(("group", "now_sent"), [("licence", True), ("release", False)])
async def test_a_resumed_series_is_judged_again(own_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path, group: str, now_sent: bool) -> None:
    """The agreements changed while the hub was down: the old record gets its follow-up, and what is released
    now (licence conditions withheld; or, the release itself withheld, nothing) its own record."""
    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    changed = tmp_path / "policies"
    shutil.copytree(policy_dir(), changed)
    isa = changed / "agreements" / "probation-isa.csv"
    rule = f"probation-practitioner,*,{group},allow,"
    assert rule in isa.read_text()
    isa.write_text(isa.read_text().replace(rule, f"probation-practitioner,*,{group},deny,"))
    schedule = (0, 0.05, 1.5, 0.05)
    async with receiving(Receiver(failures=2)) as receiver:
        async with sender(own_settings, receiver.url, schedule) as first:
            await move_release(own_settings, 10)
            await stop_after(first, receiver, 2)
        async with sender(own_settings, receiver.url, schedule, policy_dir=changed) as second:
            assert await second.once() == 1
            assert await series_of(second) == []
    before, follow, *now = await trail(own_settings)
    assert "ProbationRecord.licenceConditions" in before.event.disclosed["probation"]
    assert_follow_up(follow, before)
    if not now_sent:
        assert now == [] and len(receiver.attempts) == 2 and receiver.accepted == {}
        assert "no longer release" in follow.event.justification
        return
    [again] = now
    assert again.event.outcome == "partial" and again.event.request_id == before.event.request_id
    assert "ProbationRecord.licenceConditions" in again.event.withheld
    assert "ProbationRecord.licenceConditions" not in again.event.disclosed["probation"]
    [message] = receiver.accepted.values()
    assert "licenceConditions" not in message["data"] and "releaseDate" in message["data"]
    assert len(receiver.attempts) == 3  # the series went on: attempt 3 of the schedule


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_the_series_store_on_each_backend(backend: str, tmp_path: Path) -> None:
    """A series saved, resumed, dead-lettered (owing its follow-up) and cleared, in SQLite and in PostgreSQL."""
    import uuid

    from sqlalchemy.engine import make_url

    from hub.core.db import create_engine
    from tests.conftest import admin_sql, postgres_base_url

    base, name = postgres_base_url(), f"hubtest_webhooks_{uuid.uuid4().hex[:10]}"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/store.db"
    elif base is None:
        pytest.skip("HUB_TEST_POSTGRES_URL not set (CI sets it)")
    else:
        await admin_sql(base, f'CREATE DATABASE "{name}"')
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(state.create_tables)
        key, other = state.Key("case-system", "probation", 7), state.Key("case-system", "probation", 8)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
        await state.save(engine, key, state.Series(0, due, 41, "f" * 64))
        await state.save(engine, key, state.Series(3, due, 41, "f" * 64, "HTTP 503"))  # the same row, updated
        await state.save(engine, other, state.Series(1, due, 42, "e" * 64))
        assert await state.load(engine, key) == state.Series(3, due, 41, "f" * 64, "HTTP 503")
        assert await state.owed(engine, "case-system", "probation") == []
        await state.dead_letter(engine, key, 8, "ConnectError", "ReleaseScheduled")
        assert await state.is_dead_letter(engine, key) and not await state.is_dead_letter(engine, other)
        [(owed_key, owed)] = await state.owed(engine, "case-system", "probation")
        assert owed_key == key and (owed.dead, owed.attempts, owed.audit_seq) == (True, 8, 41)
        await state.clear(engine, key)
        assert await state.load(engine, key) is None and await state.owed(engine, "case-system", "probation") == []
        [dead] = await state.dead_letters(engine, "probation")
        assert (dead["event_position"], dead["attempts"], dead["last_error"]) == (7, 8, "ConnectError")
        await state.remove_dead_letter(engine, key)
        assert await state.dead_letters(engine, "probation") == []
        assert (await state.load(engine, other) or state.Series(0, due, None, "")).attempts == 1
    finally:
        await engine.dispose()
        if backend == "postgresql" and base is not None:
            await admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_endpoint_list_shows_no_secret_a_url_carries(own_settings: Settings, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(policy_dir(), policies)
    url = "https://case-sys:hunter2-pass@hooks.example.org:8443/hub/events?token=tok-9f8e7d#sig-frag"
    with (policies / "webhooks.csv").open("a") as f:
        f.write(f"case-system,{CASE_SYSTEM},probation,probation-practitioner,iom,ReleaseScheduled,{url},"
                "env:HUB_TEST_WEBHOOK_SECRET\n")
    for name, value in {"HUB_DATA_DIR": str(own_settings.data_dir), "HUB_ENV": "test",
                        "HUB_POLICY_DIR": str(policies)}.items():
        monkeypatch.setenv(name, value)
    assert main(["events", "webhooks"]) == 0
    out = capsys.readouterr().out
    assert "-> https://hooks.example.org:8443/hub/events\n" in out and "1 endpoint(s)" in out
    for secret in ("hunter2", "case-sys:", "tok-9f8e7d", "token", "sig-frag", "?", "#", "@"):
        assert secret not in out


# ---- the same with replicas sharing the stream on NATS JetStream (tests/events/test_broker.py) ----

IOM_SYSTEM = "police-iom-system"


@contextlib.asynccontextmanager
async def shared_sender(settings: Settings, stream: EventStream, url: str, schedule: tuple[float, ...],
                        audit: AuditStore) -> AsyncIterator[asyncio.Task[None]]:
    """A replica's sender for the police IOM system, running as the hub runs it, until the block ends."""
    policy = PolicyStore.open(settings).current()
    hub = Hub.open(settings)
    endpoint = Endpoint("iom-system", IOM_SYSTEM, "police", "police-iom-officer", "iom", frozenset({"Arrested"}),
                        url, "env:HUB_TEST_WEBHOOK_SECRET")
    out = WebhookSender(endpoint, stream, policy.plan((endpoint.role,), endpoint.purpose),
                        CallerConditions(hub.index, hub.agencies, "police", endpoint.client), policy.version,
                        Loads(hub.agencies, hub.index), audit, schedule=schedule, poll_seconds=0.05)
    out.ACK_WAIT = 2.0  # a replica that stops hands its event on after two seconds
    task = asyncio.create_task(out.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await out.close()
        await hub.close()


async def until(condition: Callable[[], Any], seconds: float = 10) -> None:
    """Wait for ``condition`` (a value, or an awaitable one) to hold."""
    for _ in range(int(seconds / 0.05)):
        held = condition()
        if await held if inspect.isawaitable(held) else held:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not in time")


async def _empty(found: Awaitable[list[Any]]) -> bool:
    return not await found


async def test_with_replicas_a_series_one_left_is_resumed_by_another(own_settings: Settings, stream_name: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli.simulate import arrest

    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    schedule = (0, 0.05, 5.0, 0.05)
    audit = await AuditStore.open(own_settings)
    try:
        async with receiving(Receiver(failures=2)) as receiver, \
                replica(own_settings, stream_name, relays=True) as a, \
                replica(own_settings, stream_name, relays=True) as b:
            async with shared_sender(own_settings, a, receiver.url, schedule, audit):
                await asyncio.sleep(1)  # the shared consumer exists before the event
                await arrest(own_settings, PERSON)

                async def two_made() -> bool:
                    found = await series_of_engine(a.sources["police"].engine)
                    return len(receiver.attempts) == 2 and bool(found) and found[0][1].attempts == 2

                await until(two_made)
            # replica a's sender stopped mid-schedule; b takes the event once a's hold lapses and resumes
            async with shared_sender(own_settings, b, receiver.url, schedule, audit):
                await until(lambda: len(receiver.accepted) == 1)
                await until(lambda: _empty(series_of_engine(b.sources["police"].engine)))  # cleared once delivered
    finally:
        await audit.close()
    assert len(receiver.attempts) == 3 and receiver.times[2] - receiver.times[1] >= 4.9  # attempt 3, when due
    [delivery] = await trail(own_settings, IOM_SYSTEM)
    assert delivery.event.outcome in {"ok", "partial"} and delivery.event.subjects == (PERSON,)


async def test_with_replicas_a_dead_letter_is_followed_up(own_settings: Settings, stream_name: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli.simulate import arrest

    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    audit = await AuditStore.open(own_settings)
    try:
        async with receiving(Receiver(failures=100)) as down, \
                replica(own_settings, stream_name, relays=True) as a, \
                shared_sender(own_settings, a, down.url, (0, 0.05), audit):
            await asyncio.sleep(1)
            await arrest(own_settings, PERSON)
            engine = a.sources["police"].engine
            await until(lambda: len(down.attempts) == 2)

            async def followed() -> bool:
                return len(await trail(own_settings, IOM_SYSTEM)) == 2 and not await series_of_engine(engine)

            await until(followed)
            [dead] = await dead_letters(engine, "police")
            assert (dead["endpoint"], dead["attempts"]) == ("iom-system", 2)
    finally:
        await audit.close()
    delivery, follow = await trail(own_settings, IOM_SYSTEM)
    assert_follow_up(follow, delivery)


async def test_a_sender_judges_under_the_policy_in_force_and_waits_while_it_permits_nothing(
        own_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.core.errors import PurposeNotPermitted

    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    withdrawn = {"now": True}

    def replan(s: Subscriber) -> Subscriber:  # as hub/web/subscriptions.py's, with the purpose withdrawn
        if withdrawn["now"]:
            raise PurposeNotPermitted("purpose 'iom' is no longer permitted", purpose="iom")
        return s

    async with receiving(Receiver(failures=0)) as receiver, sender(own_settings, receiver.url, (0,)) as out:
        out.replan = replan
        await move_release(own_settings, 10)
        with pytest.raises(PurposeNotPermitted):
            await out.once()
        assert receiver.attempts == []  # nothing sent, and the event waits: the cursor did not move past it
        withdrawn["now"] = False
        assert await out.once() == 1
    assert len(receiver.accepted) == 1


async def test_a_series_is_judged_again_before_each_retry(own_settings: Settings,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The agreements withdraw the release from the client between two attempts of one series: no further
    attempt is made, and its delivery record is followed by one saying it never arrived."""
    from dataclasses import replace as replaced

    monkeypatch.setenv("HUB_TEST_WEBHOOK_SECRET", SECRET)
    policy = PolicyStore.open(own_settings).current()
    withdrawn = {"now": False}

    def replan(s: Subscriber) -> Subscriber:
        if not withdrawn["now"]:
            return s
        # a plan under which nothing about this person is released to the client (only victims' cases)
        return replaced(s, plan=policy.plan(("victim-liaison",), "victim-contact"), policy_version="withdrawn")

    async with receiving(Receiver(failures=1)) as receiver, sender(own_settings, receiver.url, (0, 1.0)) as out:
        out.replan = replan
        await move_release(own_settings, 10)
        sending = asyncio.create_task(out.once())
        await until(lambda: len(receiver.attempts) == 1)
        withdrawn["now"] = True
        assert await sending == 1
    assert len(receiver.attempts) == 1 and receiver.accepted == {}
    before, follow = await trail(own_settings)
    assert_follow_up(follow, before)
    assert "no longer release" in follow.event.justification

"""Webhooks: configuration checked like the agreements, Standard Webhooks signatures verified by the library's
own verifier, retries that lose nothing, the dead-letter list and its replay."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from audit.store import AuditStore
from hub.cli.simulate import release
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.events.delivery import Loads
from hub.events.stream import EventStream, sources_of
from hub.events.webhooks import Endpoint, WebhookSender, dead_letters, load_endpoints
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore
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

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        self.attempts.append(request.headers["webhook-id"])
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
async def sender(settings: Settings, url: str, schedule: tuple[float, ...]) -> AsyncIterator[WebhookSender]:
    hub = Hub.open(settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    audit = await AuditStore.open(settings)
    policy = PolicyStore.open(settings).current()
    endpoint = Endpoint("case-system", "probation-case-system", "probation", "probation-practitioner", "iom",
                        frozenset({"ReleaseScheduled"}), url, "env:HUB_TEST_WEBHOOK_SECRET")
    plan = policy.plan((endpoint.role,), endpoint.purpose)
    conditions = CallerConditions(hub.index, hub.agencies, endpoint.agency, endpoint.client)
    out = WebhookSender(endpoint, stream, plan, conditions, policy.version, Loads(hub.agencies, hub.index), audit,
                        schedule=schedule)
    try:
        await stream.install()
        await out.consumer.next_batch()  # the endpoint's cursor starts here
        yield out
    finally:
        await out.close()
        await audit.close()
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

"""Routing: a subscription told only about its own people is sent only their events while the condition sets
it was indexed by are fresh, everything otherwise, so routing never holds back what judging would let through."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

from audit.record import Operation
from hub.core.settings import Settings
from hub.events.delivery import Subscriber
from hub.events.router import Router
from hub.events.stream import ChangeEvent, EventStream, sources_of
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore
from tests.conftest import sqlite_settings
from tests.events.conftest import sql
from tests.events.test_agreements import PERSON, PNC

TTL = 4.0


def arrest(settings: Settings, pnc: str, arrest_id: int) -> None:
    sql(settings, "police", "INSERT INTO arrest (arrest_id, pnc_id, arrested_at, offence_code, offence, custody_suite,"
        " outcome) VALUES (:i, :p, '2026-12-02 01:10:00', 'TH68010', 'Burglary (dwelling)', 'Brixton', 'bailed')",
        i=arrest_id, p=pnc)


async def received(queue: asyncio.Queue[ChangeEvent | None], count: int, within: float = 3.0) -> list[ChangeEvent]:
    out: list[ChangeEvent] = []
    deadline = time.monotonic() + within
    while len(out) < count:
        event = await asyncio.wait_for(queue.get(), max(0.01, deadline - time.monotonic()))
        assert event is not None, "the queue overflowed"
        out.append(event)
    return out


def quiet(queue: asyncio.Queue[ChangeEvent | None]) -> list[ChangeEvent]:
    out: list[ChangeEvent] = []
    while not queue.empty():
        event = queue.get_nowait()
        assert event is not None, "the queue overflowed"
        out.append(event)
    return out


async def test_an_offender_manager_is_sent_only_their_caseload_while_its_set_is_fresh(seeded_dir: Path,
                                                                                     tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data, ignore=shutil.ignore_patterns("audit*", "keys"))
    settings = sqlite_settings(data, HUB_CASELOAD_TTL_SECONDS=TTL)
    hub = Hub.open(settings)
    stream = EventStream(sources_of(hub.agencies), hub.index, poll_seconds=0.02)
    policy = PolicyStore.open(settings).current()

    def who(user: str, agency: str, role: str, purpose: str) -> Subscriber:
        return Subscriber(user, "user", agency, (role,), purpose, None, policy.version, policy.plan((role,), purpose),
                          CallerConditions(hub.index, hub.agencies, agency, user, hub.caseloads),
                          Operation(None, "subscription"), user)

    om = who("om-001", "probation", "probation-practitioner", "daily-intel")
    iom = who("iom-officer-009", "police", "police-iom-officer", "iom")  # told of every arrest
    caseload = await om.conditions.caseload()
    assert PERSON in caseload
    stranger, stranger_pnc, stranger_crn = "", "", ""
    for (pnc,) in sql(settings, "police", "SELECT pnc_id FROM nominal ORDER BY pnc_id"):
        found = (await hub.index.find_many("pncId", {pnc})).get(pnc)
        links = (await hub.index.get_many([found]))[found].links if found else {}
        if found and found not in caseload and "crn" in links:  # someone else's case: probation knows them
            stranger, stranger_pnc, stranger_crn = found, pnc, links["crn"]
            break
    assert stranger
    version = {"now": policy.version}
    kinds = [k for d in hub.agencies.descriptors.values() if d.capture for k in d.capture.kinds]
    router = Router(stream, kinds, version=lambda: version["now"], tick=0.1)
    try:
        async with router.join("arrests", lambda: om) as om_q, router.join("arrests", lambda: iom) as iom_q:
            await asyncio.sleep(0.4)  # indexed by now: the caseload is cached for TTL seconds
            arrest(settings, stranger_pnc, 900001)
            arrest(settings, PNC, 900002)
            told = await received(iom_q, 2)
            assert {e.person_id for e in told} == {stranger, PERSON}  # an IOM officer is told of any arrest
            await asyncio.sleep(0.1)
            assert [e.person_id for e in quiet(om_q)] == [PERSON]  # not woken for someone off the caseload

            # a new policy version: sent everything until indexed again under it
            version["now"] = "a new version"
            arrest(settings, stranger_pnc, 900003)
            assert [e.person_id for e in await received(om_q, 1)] == [stranger]
            await received(iom_q, 1)

            # the stranger joins om-001's caseload: routed to them once the cached caseload has expired, as the
            # gate itself would judge them (it reads the same cache)
            await asyncio.sleep(0.4)
            sql(settings, "probation", "UPDATE offender SET offender_manager_code = 'om-001' WHERE crn = :c",
                c=stranger_crn)
            arrest(settings, stranger_pnc, 900004)  # within the cached caseload's life: not theirs yet
            await received(iom_q, 1)
            await asyncio.sleep(0.1)
            assert quiet(om_q) == []
            await asyncio.sleep(TTL)
            arrest(settings, stranger_pnc, 900005)
            assert [e.person_id for e in await received(om_q, 1)] == [stranger]
    finally:
        await router.stop()
        await stream.stop()
        await hub.close()


async def test_a_subscription_that_does_not_take_its_events_is_ended_not_the_worker(own_settings: Settings) -> None:
    from hub.events.delivery import Loads
    from hub.events.feed import Feed, SubscriberTooSlow
    from tests.events.test_agreements import Recorded

    settings = own_settings
    hub = Hub.open(settings)
    stream = EventStream(sources_of(hub.agencies), hub.index, poll_seconds=0.02)
    policy = PolicyStore.open(settings).current()
    iom = Subscriber("iom-officer-009", "user", "police", ("police-iom-officer",), "iom", None, policy.version,
                     policy.plan(("police-iom-officer",), "iom"),
                     CallerConditions(hub.index, hub.agencies, "police", "iom-officer-009"),
                     Operation(None, "subscription"), "slow")
    kinds = [k for d in hub.agencies.descriptors.values() if d.capture for k in d.capture.kinds]
    router = Router(stream, kinds, queue_limit=2)
    audit = Recorded()
    feed = Feed(stream, iom, Loads(hub.agencies, hub.index), audit, None, router=router)
    deliveries = feed.deliveries("arrests").__aiter__()
    try:
        first = asyncio.ensure_future(deliveries.__anext__())
        await asyncio.sleep(0.2)  # joined and waiting
        arrest(settings, PNC, 910001)
        assert (await asyncio.wait_for(first, 3)).event.kind.name == "Arrested"
        for n in range(5):  # the client takes nothing meanwhile
            arrest(settings, PNC, 910002 + n)
        await asyncio.sleep(0.5)
        taken = [await deliveries.__anext__(), await deliveries.__anext__()]  # what the queue held
        try:
            await deliveries.__anext__()
            raise AssertionError("the subscription went on")
        except SubscriberTooSlow as exc:
            assert exc.code == "SUBSCRIBER_TOO_SLOW"
        assert len(taken) == 2
        # each delivery's record names the subscription it went on: the connection's first
        assert {r.request_id.rsplit("/", 1)[1] for r in audit.records} == {"1"}
        assert len(audit.records) == 3  # recorded as sent, no more
    finally:
        await router.stop()
        await stream.stop()
        await hub.close()

"""``python -m bench.events [--changes N] [--rate R] [--subscribers K] [--audience one|partnership]
[--broker nats://...]``: event latency.

From an agency's commit (police recording an arrest, so its trigger writes the outbox) to a governed subscriber
holding the delivered event: judged under the agreements and its audit record written (the durable audit
store, as served). ``--subscribers`` feeds, all for one offender manager whose caseload holds the person,
each receive every event: deliveries = changes times subscribers. Embedded (the SQLite outbox read by this
process), or with ``--broker`` through NATS JetStream (relayed into the stream and fanned out from it).
Prints p50, p95, p99 and the deliveries counted against those expected; writes JSON under bench/results/.

``--audience partnership``: the ``--subscribers`` subscriptions are the partnership's staff, each its own
user (offender managers and IOM officers on ``arrests``; housing officers, keyworkers, victim liaison
officers and employment advisers on ``releases``), and the changes are arrests and release dates moved
for people across the population: each event reaches the few the agreements allow (all IOM officers, for
an arrest). The deliveries expected are those ``judge`` allows when asked again after the run, so a
delivery lost or one too many shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, update

from audit.record import Operation
from audit.store import AuditStore
from connectors.police import tables as police
from connectors.probation import tables as probation
from hub.cli.seeding import seed_all
from hub.core.settings import Settings
from hub.events import outbox
from hub.events.broker import JetStreamBus
from hub.events.delivery import Loads, Subscriber, judge
from hub.events.feed import Feed
from hub.events.router import Router
from hub.events.stream import ChangeEvent, EventStream, sources_of
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.policy_set import PolicySet
from policies.store import PolicyStore

#: on om-001's caseload (synthetic/population.py), so an offender manager is told of the person's arrests
PERSON = "H00000001"
TARGETS = {"p50": 200.0, "p99": 1000.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def _opened(settings: Settings, broker: str | None) -> tuple[Hub, AuditStore, PolicySet, EventStream]:
    """The hub's stores, the policy in force and a started event stream (through the broker, if one is named)."""
    hub = Hub.open(settings)
    audit = await AuditStore.open(settings)
    policy = PolicyStore.open(settings).current()
    bus = JetStreamBus(broker, stream=f"HUBBENCH_{uuid.uuid4().hex[:8].upper()}") if broker else None
    stream = EventStream(sources_of(hub.agencies), hub.index, bus=bus)
    await stream.start()
    return hub, audit, policy, stream


async def run(settings: Settings, *, changes: int, rate: float, subscribers: int, broker: str | None
              ) -> dict[str, Any]:
    hub, audit, policy, stream = await _opened(settings, broker)
    pnc = (await hub.index.get_many([PERSON]))[PERSON].links["pncId"]
    committed: dict[int, float] = {}
    latencies: list[float] = []
    role, purpose = ("probation-practitioner",), "daily-intel"
    plan = policy.plan(role, purpose)
    loads = Loads(hub.agencies, hub.index)

    async def consume(n: int) -> None:
        who = Subscriber("om-001", "user", "probation", role, purpose, None, policy.version, plan,
                         CallerConditions(hub.index, hub.agencies, "probation", "om-001", hub.caseloads),
                         Operation("Bench", "subscription"), f"bench-{n}")
        async for d in Feed(stream, who, loads, audit, None).deliveries("arrests"):
            latencies.append((time.monotonic() - committed[int(d.event.data["arrest_id"])]) * 1000)

    tasks = [asyncio.create_task(consume(n)) for n in range(subscribers)]
    await asyncio.sleep(0.5)
    engine = create_engine(settings.agency_url("police").replace("+aiosqlite", ""))
    with engine.connect() as conn:
        next_id = int(conn.execute(select(func.coalesce(func.max(police.arrest.c.arrest_id), 0))).scalar_one())
    started = time.monotonic()
    def record_arrest(arrest_id: int) -> None:  # the police system, writing from its own thread
        with engine.begin() as conn:
            conn.execute(insert(police.arrest).values(
                arrest_id=arrest_id, pnc_id=pnc, arrested_at=datetime.now(UTC).replace(tzinfo=None),
                offence_code="TH68023", offence="Theft from shop", custody_suite="Charing Cross", outcome="bailed"))
        committed[arrest_id] = time.monotonic()

    for i in range(changes):
        next_id += 1
        await asyncio.to_thread(record_arrest, next_id)
        await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.monotonic()))
    deadline = time.monotonic() + 10
    while len(latencies) < changes * subscribers and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await stream.stop()
    await audit.close()
    await hub.close()
    engine.dispose()
    return {"mode": "broker" if broker else "embedded", "changes": changes, "rate_per_second": rate,
            "subscribers": subscribers, "deliveries": len(latencies), "expected": changes * subscribers,
            "p50_ms": round(percentile(latencies, 0.5), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies, default=0), 1),
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None}


#: the partnership's subscribers: (share of the subscriptions, user prefix, role, purpose, topic)
AUDIENCE = ((0.40, "om", "probation-practitioner", "daily-intel", "arrests"),
            (0.10, "iom-officer", "police-iom-officer", "iom", "arrests"),
            (0.15, "housing-officer", "housing-officer", "housing-referral", "releases"),
            (0.15, "keyworker", "treatment-keyworker", "continuity-of-care", "releases"),
            (0.10, "victim-liaison", "victim-liaison", "victim-contact", "releases"),
            (0.10, "employment-adviser", "employment-adviser", "employment-support", "releases"))
AGENCY = {"probation-practitioner": "probation", "police-iom-officer": "police", "housing-officer": "housing",
          "treatment-keyworker": "treatment", "victim-liaison": "probation", "employment-adviser": "employment"}


def audience(subscribers: int) -> list[tuple[str, str, str, str]]:
    """(user, role, purpose, topic) for each subscription: each share's users numbered from 001."""
    out = []
    for share, prefix, role, purpose, topic in AUDIENCE:
        out += [(f"{prefix}-{n:03d}", role, purpose, topic) for n in range(1, round(share * subscribers) + 1)]
    return out


async def run_partnership(settings: Settings, *, changes: int, rate: float, subscribers: int, broker: str | None
                          ) -> dict[str, Any]:
    hub, audit, policy, stream = await _opened(settings, broker)
    loads = Loads(hub.agencies, hub.index)
    committed: dict[tuple[Any, ...], float] = {}
    latencies: list[float] = []
    received: set[tuple[int, str]] = set()
    who = [Subscriber(user, "user", AGENCY[role], (role,), purpose, None, policy.version,
                      policy.plan((role,), purpose),
                      CallerConditions(hub.index, hub.agencies, AGENCY[role], user, hub.caseloads),
                      Operation("Bench", "subscription"), f"bench-{n}")
           for n, (user, role, purpose, _topic) in enumerate(audience(subscribers))]
    topics = [topic for _u, _r, _p, topic in audience(subscribers)]

    def key(event: ChangeEvent) -> tuple[Any, ...]:
        d = event.row.data
        return (("arrest", d["arrest_id"]) if event.kind.name == "Arrested"
                else ("release", d["sentence_id"], str(d["release_date"])[:10]))

    router = Router(stream, (k for d in hub.agencies.descriptors.values() if d.capture for k in d.capture.kinds))

    async def consume(n: int) -> None:
        async for d in Feed(stream, who[n], loads, audit, None, router=router).deliveries(topics[n]):
            latencies.append((time.monotonic() - committed[key(d.event)]) * 1000)
            received.add((n, d.event.event_id))

    tasks = [asyncio.create_task(consume(n)) for n in range(len(who))]
    await asyncio.sleep(3.0)  # the subscriptions open (and are indexed, about 2 s for 1,000) before the day starts
    police_db = create_engine(settings.agency_url("police").replace("+aiosqlite", ""))
    probation_db = create_engine(settings.agency_url("probation").replace("+aiosqlite", ""))
    s = probation.sentence
    with police_db.connect() as conn:
        next_id = int(conn.execute(select(func.coalesce(func.max(police.arrest.c.arrest_id), 0))).scalar_one())
        pncs = [r[0] for r in conn.execute(select(police.nominal.c.pnc_id))]
    with probation_db.connect() as conn:
        sentences = [r[0] for r in conn.execute(select(s.c.sentence_id).where(s.c.release_date.is_not(None)))]
    rng = random.Random(7)

    def change(i: int) -> None:  # the agencies' systems, writing from their own threads
        nonlocal next_id
        if i % 2 == 0:
            next_id += 1
            arrest_id = next_id
            with police_db.begin() as conn:
                conn.execute(insert(police.arrest).values(
                    arrest_id=arrest_id, pnc_id=rng.choice(pncs), arrested_at=datetime.now(UTC).replace(tzinfo=None),
                    offence_code="TH68023", offence="Theft from shop", custody_suite="Charing Cross",
                    outcome="bailed"))
            committed[("arrest", arrest_id)] = time.monotonic()
        else:
            sentence, on = rng.choice(sentences), date(2027, 1, 1) + timedelta(days=i)
            with probation_db.begin() as conn:
                conn.execute(update(s).where(s.c.sentence_id == sentence).values(release_date=on))
            committed[("release", sentence, on.isoformat())] = time.monotonic()

    started = time.monotonic()
    for i in range(changes):
        await asyncio.to_thread(change, i)
        await asyncio.sleep(max(0.0, started + (i + 1) / rate - time.monotonic()))
    # the oracle: every event captured, judged again for every subscription
    expected: set[tuple[int, str]] = set()
    heads = {src.agency: await outbox.head(src.engine, src.agency) for src in stream.sources.values()}
    events = [e for e in await stream.replay("1970-01-01T00:00:00Z", heads)
              if e.kind.name in ("Arrested", "ReleaseScheduled")]
    for event in events:  # each subscriber judged on its own: not through the sharing the run relied on
        for n, subscriber in enumerate(who):
            if event.kind.topic == topics[n] and await judge(event, subscriber) is not None:
                expected.add((n, event.event_id))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not expected <= received:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await router.stop()
    await stream.stop()
    await audit.close()
    await hub.close()
    police_db.dispose()
    probation_db.dispose()
    by_role: dict[str, list[int]] = {}
    for n, _e in received - expected:
        by_role.setdefault(who[n].roles[0], [0, 0])[0] += 1
    for n, _e in expected - received:
        by_role.setdefault(who[n].roles[0], [0, 0])[1] += 1
    if by_role:
        print("unexpected or lost, by role:", by_role)
    return {"mode": ("broker" if broker else "embedded") + " partnership", "changes": changes,
            "rate_per_second": rate, "subscribers": len(who), "deliveries": len(received & expected),
            "expected": len(expected), "lost": len(expected - received), "unexpected": len(received - expected),
            "p50_ms": round(percentile(latencies, 0.5), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies, default=0), 1),
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="agency changes per second")
    parser.add_argument("--subscribers", type=int, default=1)
    parser.add_argument("--broker", help="NATS JetStream URL (nats://127.0.0.1:4222); omitted: embedded")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--audience", choices=("one", "partnership"), default="one",
                        help="one: every subscription is one offender manager's, told of every arrest; partnership: "
                             "the partnership's staff, each told what the agreements allow")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"HUB_DATA_DIR": folder, "HUB_ENV": "test"})
        asyncio.run(seed_all(settings, people=args.people, seed=1234, as_of=date(2026, 11, 24)))
        scenario = run_partnership if args.audience == "partnership" else run
        result = asyncio.run(scenario(settings, changes=args.changes, rate=args.rate, subscribers=args.subscribers,
                                      broker=args.broker))
    print(f"{result['mode']}: {result['deliveries']}/{result['expected']} deliveries, "
          f"p50 {result['p50_ms']} ms (target < {TARGETS['p50']:.0f}), p95 {result['p95_ms']} ms, "
          f"p99 {result['p99_ms']} ms (target < {TARGETS['p99']:.0f}), max {result['max_ms']} ms")
    if "lost" in result:
        print(f"lost {result['lost']}, unexpected {result['unexpected']} (against judge asked again after the run)")
    mode = str(result["mode"]).replace(" ", "-")
    out = Path(__file__).parent / "results" / f"events-{mode}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

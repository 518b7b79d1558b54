"""``python -m bench.events [--changes N] [--rate R] [--subscribers K] [--broker nats://...]``: event latency.

From an agency's commit (police recording an arrest, so its trigger writes the outbox) to a governed subscriber
holding the delivered event: judged under the agreements and its audit record written (the durable audit
store, as served). ``--subscribers`` feeds, all for one offender manager whose caseload holds the person,
each receive every event: deliveries = changes times subscribers. Embedded (the SQLite outbox read by this
process), or with ``--broker`` through NATS JetStream (relayed into the stream and fanned out from it).
Prints p50, p95, p99 and the deliveries counted against those expected; writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select

from audit.record import Operation
from audit.store import AuditStore
from connectors.police import tables as police
from hub.cli.seeding import seed_all
from hub.core.settings import Settings
from hub.events.broker import JetStreamBus
from hub.events.delivery import Loads, Subscriber
from hub.events.feed import Feed
from hub.events.stream import EventStream, sources_of
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore

#: on om-001's caseload (synthetic/population.py), so an offender manager is told of the person's arrests
PERSON = "H00000001"
TARGETS = {"p50": 200.0, "p99": 1000.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def run(settings: Settings, *, changes: int, rate: float, subscribers: int, broker: str | None
              ) -> dict[str, Any]:
    hub = Hub.open(settings)
    audit = await AuditStore.open(settings)
    policy = PolicyStore.open(settings).current()
    bus = JetStreamBus(broker, stream=f"HUBBENCH_{uuid.uuid4().hex[:8].upper()}") if broker else None
    stream = EventStream(sources_of(hub.agencies), hub.index, bus=bus)
    await stream.start()
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="agency changes per second")
    parser.add_argument("--subscribers", type=int, default=1)
    parser.add_argument("--broker", help="NATS JetStream URL (nats://127.0.0.1:4222); omitted: embedded")
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({"HUB_DATA_DIR": folder, "HUB_ENV": "test"})
        asyncio.run(seed_all(settings, people=args.people, seed=1234, as_of=date(2026, 11, 24)))
        result = asyncio.run(run(settings, changes=args.changes, rate=args.rate, subscribers=args.subscribers,
                                 broker=args.broker))
    print(f"{result['mode']}: {result['deliveries']}/{result['expected']} deliveries, "
          f"p50 {result['p50_ms']} ms (target < {TARGETS['p50']:.0f}), p95 {result['p95_ms']} ms, "
          f"p99 {result['p99_ms']} ms (target < {TARGETS['p99']:.0f}), max {result['max_ms']} ms")
    out = Path(__file__).parent / "results" / f"events-{result['mode']}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The cohort page through HTTP connectors against the same page through SQL connectors (issue 14).

``python -m bench.agency_api [--people N] [--rounds R]`` seeds (or reuses) the bench's data set, starts each
agency's own service (``hub agency serve``) as a process on loopback over its database, and calls two
governed hubs in this process, one over the agencies' databases and one over their APIs, interleaved
call by call: the IOM cohort page of 200 (bench/scenarios.py), which must give the same answer both ways.
It prints both medians, their ratio (target: at most 1.5) and the agency requests a page of 5 and of 200
costs (target: the same).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.asgi_call import post_json
from bench.dataset import prepare
from bench.scenarios import COHORT
from connectors.http.connector import HttpConnector
from connectors.registry import AGENCIES
from hub.core.settings import AgencyService, Settings
from hub.web.app import create_app
from hub.web.auth import issue_dev_token
from hub.web.runtime import Hub

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_services(settings: Settings) -> tuple[list[subprocess.Popen[bytes]], dict[str, AgencyService]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_ENV": "test", "HUB_DATA_DIR": str(settings.data_dir),
           **{f"HUB_{a.name.upper()}_DB": settings.agency_url(a.name) for a in AGENCIES}}
    processes, services = [], {}
    for a in AGENCIES:
        port = _port()
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "agency", "serve", a.name, "--port", str(port), "--no-seed"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        services[a.name] = AgencyService(api=f"http://127.0.0.1:{port}")
    for service in services.values():
        for _ in range(600):
            try:
                if httpx.get(f"{service.api}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"bench: the agency service at {service.api} did not start")
    return processes, services


async def run(people: int, rounds: int) -> dict[str, Any]:
    settings, _ = await prepare(people)
    processes, services = start_services(settings)
    hubs: list[Hub] = []
    apps: dict[str, Any] = {}
    try:
        over = {"sql": settings, "http": settings.model_copy(update={"agency_services": services})}
        for name, configured in over.items():
            hub = Hub.open(configured)
            hubs.append(hub)
            apps[name] = create_app(configured, hub=hub)
        token = issue_dev_token(settings, user="iom-officer-001", agency="police", roles=["police-iom-officer"])
        headers = {"authorization": f"Bearer {token}", "x-purpose-of-use": "iom", "content-type": "application/json"}

        async def call(name: str, first: int) -> tuple[float, bytes]:
            started = time.perf_counter()
            status, body = await post_json(apps[name], "/graphql", {"query": COHORT, "variables": {"first": first}},
                                           headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert status == 200, body[:300]
            return elapsed, body

        for name in apps:  # warm: tokens, pools, caches
            await call(name, 200)
        answers = {name: json.loads((await call(name, 200))[1]) for name in apps}
        for answer in answers.values():
            answer.get("extensions", {}).pop("traceId", None)
            for error in answer.get("errors", []):
                error.get("extensions", {}).pop("traceId", None)
        if answers["sql"] != answers["http"]:
            raise SystemExit("bench: the HTTP connectors answered the cohort page otherwise than SQL")
        timings: dict[str, list[float]] = {name: [] for name in apps}
        for _ in range(rounds):
            for name in apps:
                timings[name].append((await call(name, 200))[0])
        http_hub = hubs[1]
        requests: dict[int, dict[str, int]] = {}
        for first in (5, 200):
            before = {n: c.requests for n, c in http_hub.agencies.items() if isinstance(c, HttpConnector)}
            await call("http", first)
            requests[first] = {n: c.requests - before[n] for n, c in http_hub.agencies.items()
                               if isinstance(c, HttpConnector)}
        sql, http = statistics.median(timings["sql"]), statistics.median(timings["http"])
        return {"people": people, "rounds": rounds, "sql_median_ms": round(sql, 2), "http_median_ms": round(http, 2),
                "ratio": round(http / sql, 3), "agency_requests_by_page_size": requests,
                "rows": len(answers["sql"]["data"]["people"]["edges"])}
    finally:
        for app in apps.values():
            await app.state.governance.audit.close()
        for hub in hubs:
            await hub.close()
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    result = asyncio.run(run(args.people, args.rounds))
    print(json.dumps(result, indent=1))
    by_size = result["agency_requests_by_page_size"]
    ok = result["ratio"] <= 1.5 and by_size[5] == by_size[200]
    print(f"bench.agency_api: HTTP/SQL {result['ratio']}x on the cohort page of 200 "
          f"({'within' if ok else 'OUTSIDE'} target: <= 1.5x, constant requests)")


if __name__ == "__main__":
    main()

"""``python -m bench [--quick] [--people N] [--postgres URL]``: the hub against the bare framework.

Seeds (once) a data set, then for each scenario measures, in the same run: the hub with full
governance, the hub with governance off, and a bare Strawberry schema on the same databases,
in-process (median, p99, SQL statements); then over HTTP with one uvicorn worker each, adding a
plain Starlette JSON endpoint as the floor (requests per second, errors, peak memory).
Prints a table and writes JSON under bench/results/. ``--quick`` is the CI mode: small data, a
few seconds, and a non-zero exit when a target it can check is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from bench.bare import bare_app
from bench.dataset import AS_OF, prepare
from bench.http_load import build_request, run_load
from bench.inprocess import Contender, Timing, measure, paired_ratio
from bench.policy_decisions import yardstick_ms
from bench.scenarios import Scenario, build
from bench.server import NoAudit
from connectors.registry import AGENCIES
from hub.core import telemetry
from hub.core.settings import Settings
from hub.web import collector
from hub.web.app import create_app
from hub.web.runtime import Hub

RESULTS = Path(__file__).with_name("results")
#: Issue targets: governance overhead (same query, same run) and hub/bare requests per second.
MAX_OVERHEAD = 1.25
MIN_RPS_VS_BARE = 0.8
#: seconds: longer than any run, so every measured call sees the steady state
CASELOAD_TTL = 6 * 3600


class DiscardingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def governed_headers(settings: Settings) -> Any:
    from hub.web.auth import issue_dev_token

    tokens: dict[str, str] = {}

    def headers(s: Scenario) -> dict[str, str]:
        c = s.caller
        if c.user not in tokens:
            tokens[c.user] = issue_dev_token(settings, user=c.user, agency=c.agency, roles=[c.role], ttl=6 * 3600)
        h = {"authorization": f"Bearer {tokens[c.user]}", "x-purpose-of-use": c.purpose}
        if c.justification:
            h["x-justification"] = c.justification
        return h

    return headers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "HUB_DATA_DIR": str(settings.data_dir), "HUB_ENV": settings.environment,
           "HUB_INDEX_DB": settings.index_url, "HUB_AUDIT_DB": settings.audit_url,
           "HUB_CASELOAD_TTL_SECONDS": str(settings.caseload_ttl_seconds)}
    env.update({f"HUB_{a.upper()}_DB": url for a, url in settings.agency_urls.items()})
    return env


async def wait_ready(port: int, proc: asyncio.subprocess.Process, within: float = 30) -> None:
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if proc.returncode is not None:
            raise RuntimeError(f"benchmark server exited with {proc.returncode}")
        try:
            _r, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            await w.wait_closed()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("benchmark server did not start")


async def http_phase(settings: Settings, scenario: Scenario, headers: Any, *, seconds: float, connections: int,
                     workers: int = 1, modes: tuple[str, ...] = ("hub", "hub-noaudit", "hub-off", "bare", "floor")
                     ) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for mode in modes:
        port = free_port()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.server", "--mode", mode, "--port", str(port), "--workers", str(workers),
            env=server_env(settings))
        try:
            await wait_ready(port, proc)
            if mode == "floor":
                req = build_request("127.0.0.1", port, "GET", f"/people/{scenario.variables['id']}", None, {})
            else:
                req = build_request("127.0.0.1", port, "POST", "/graphql", scenario.body(),
                                    headers(scenario) if mode.startswith("hub") and mode != "hub-off" else {})
            await run_load("127.0.0.1", port, req, connections=connections, seconds=min(1.0, seconds / 4))  # warm
            result = await run_load("127.0.0.1", port, req, connections=connections, seconds=seconds,
                                    ok=lambda _s, body: b'"person":null' not in body and b'"data":null' not in body)
            lat = sorted(result.latencies_ms)
            out[mode] = {"rps": round(result.rps, 1), "requests": result.requests, "errors": result.errors,
                         "p50_ms": round(lat[len(lat) // 2], 2) if lat else None,
                         "p99_ms": round(lat[int(0.99 * (len(lat) - 1))], 2) if lat else None,
                         "peak_rss_mb": round(peak_rss_mb(proc.pid), 1) if workers == 1 else None}
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
    return out


def print_table(title: str, rows: dict[str, dict[str, Timing]]) -> None:
    print(f"\n{title}")
    print(f"{'scenario':<10} {'contender':<8} {'median ms':>10} {'p99 ms':>9} {'SQL':>5} {'rows':>5} "
          f"{'withheld':>8} {'vs off':>7} {'vs bare':>8}")
    for scenario, timings in rows.items():
        off, bare = timings.get("hub-off"), timings.get("bare")
        for name, t in timings.items():
            vs_off = f"{t.median_ms / off.median_ms:.2f}x" if off else ""
            vs_bare = f"{t.median_ms / bare.median_ms:.2f}x" if bare else ""
            print(f"{scenario:<10} {name:<8} {t.median_ms:>10.2f} {t.p99_ms:>9.2f} {t.statements:>5} {t.rows:>5} "
                  f"{t.withheld:>8} {vs_off:>7} {vs_bare:>8}")


async def inprocess_phase(settings: Settings, scenarios: list[Scenario], *, iterations: int, warmup: int
                          ) -> tuple[dict[str, dict[str, Timing]], dict[str, int]]:
    hub = Hub.open(settings)
    plain = Hub.open(settings)  # governance off: its own engines, so no SQL statement spans either
    bare, stores = bare_app(settings)
    governed = create_app(settings, hub=hub)
    headers = governed_headers(settings)
    # Spans go through the SDK's batch processor to an exporter that drops them: the production path
    # minus the network. Only the "traced" contender records; the others run as the default does
    # with no exporter configured (trace ids, no recorded spans).
    telemetry.configure([BatchSpanProcessor(DiscardingExporter())])
    telemetry.set_recording(False)
    try:
        contenders = [
            Contender("hub", governed, hub.sql_engines(), headers),
            Contender("traced", governed, hub.sql_engines(), headers, traced=True),
            Contender("no-audit", create_app(settings, hub=hub, audit=NoAudit()),  # type: ignore[arg-type]
                      hub.sql_engines(), headers),
            Contender("hub-off", create_app(settings, governance=False, hub=plain), plain.sql_engines(),
                      lambda s: {}),
            Contender("bare", bare, stores.all(), lambda s: {}),
        ]
        # Every contender shares this process, so the collector is tuned as `hub serve` tunes it,
        # for all of them alike.
        collector.settle(settings.gc_threshold)
        results = {}
        for s in scenarios:
            # The cohort page costs ten times a single lookup: fewer calls give it the same precision.
            n = max(20, iterations // 3) if s.name == "cohort" else iterations
            results[s.name] = await measure(contenders, s, iterations=n, warmup=warmup)
        # No N+1: the cohort page's statement count must not grow with the page size.
        cohort = next(s for s in scenarios if s.name == "cohort")
        growth = {}
        for first in (50, 200):
            small = replace(cohort, variables={"first": first})
            growth[str(first)] = (await measure(contenders[:1], small, iterations=1, warmup=1))["hub"].statements
        return results, growth
    finally:
        gov = governed.state.governance
        if gov is not None:
            await gov.audit.close()
        await hub.close()
        await plain.close()
        await stores.close()


async def run(args: argparse.Namespace) -> int:
    people = args.people or (1500 if args.quick else 38_000)
    iterations = args.iterations or 300
    http_seconds = args.http_seconds or (2.0 if args.quick else 10.0)
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "people": people,
                              "quick": args.quick, "iterations": iterations, "machine": os.uname().nodename,
                              "cpus": os.cpu_count(), "stores": {}}
    # Absolute targets (the cohort page under 100 ms) depend on the machine: this yardstick says how
    # fast this one is next to ../shared/PERFORMANCE.md's reference machine (about 4 ms).
    report["enforce_750_lines_ms"] = round(yardstick_ms(), 2)
    print(f"machine yardstick: pycasbin enforce() over 750 policy lines takes {report['enforce_750_lines_ms']} ms "
          "here (about 4 ms on PERFORMANCE.md's reference machine)")
    failures: list[str] = []
    backends = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    for backend, pg in backends:
        base, seeded = await prepare(people, postgres=pg)
        with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
            # Keys and a fresh audit trail per run; agency data and the index stay shared.
            # Caseloads stay cached for the whole run: with the default 30 s, a reload could land
            # inside a counted call and add its two statements (measured: 12 instead of 10, once).
            settings = base.model_copy(update=dict(
                data_dir=Path(tmp), audit_url=f"sqlite+aiosqlite:///{tmp}/audit.db", caseload_ttl_seconds=CASELOAD_TTL,
                agency_urls={a.name: base.agency_url(a.name) for a in AGENCIES}))
            scenarios = await build(settings, AS_OF)
            timings, growth = await inprocess_phase(settings, scenarios, iterations=iterations, warmup=3)
            print_table(f"In-process, {backend}, {people} people, {iterations} iterations "
                        f"({max(20, iterations // 3)} for the cohort page)", timings)
            print(f"cohort page SQL statements by page size (governed hub): {growth}")
            entry: dict[str, Any] = {
                "seed_seconds": round(seeded, 1) if seeded is not None else None,
                "inprocess": {s: {c: t.as_dict() for c, t in ts.items()} for s, ts in timings.items()},
                "cohort_statements_by_page_size": growth,
            }
            if backend == "sqlite" and not args.no_http:
                profile = next(s for s in scenarios if s.name == "profile")
                http = await http_phase(settings, profile, governed_headers(settings), seconds=http_seconds,
                                        connections=args.connections)
                entry["http_profile"] = http
                print(f"\nHTTP, one uvicorn worker each, profile query, {args.connections} connections, "
                      f"{http_seconds:g} s:")
                for mode, r in http.items():
                    print(f"  {mode:<8} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  "
                          f"errors {r['errors']}  peak RSS {r['peak_rss_mb']} MB")
                if any(r["errors"] for r in http.values()):
                    failures.append("HTTP load had errors")
                audit_ratio = http["hub"]["rps"] / http["hub-noaudit"]["rps"] if http["hub-noaudit"]["rps"] else 0
                entry["audit_rps_ratio"] = round(audit_ratio, 3)
                print(f"  requests per second with auditing / without: {audit_ratio:.2f}")
                ratio = http["hub"]["rps"] / http["bare"]["rps"] if http["bare"]["rps"] else 0
                entry["hub_vs_bare_rps"] = round(ratio, 3)
                print(f"  governed hub / bare Strawberry requests per second: {ratio:.2f} (target >= "
                      f"{MIN_RPS_VS_BARE})")
            if backend == "sqlite" and args.workers:
                profile = next(s for s in scenarios if s.name == "profile")
                scaling = {}
                for n in args.workers:
                    result = await http_phase(settings, profile, governed_headers(settings), seconds=http_seconds,
                                              connections=args.connections * n, workers=n, modes=("hub",))
                    scaling[str(n)] = result["hub"]
                    print(f"  governed hub, {n} worker(s): {result['hub']['rps']:.1f} req/s, "
                          f"errors {result['hub']['errors']}")
                entry["workers"] = scaling
            report["stores"][backend] = entry
            if growth["50"] != growth["200"]:
                failures.append(f"{backend}: cohort page statements grow with page size: {growth}")
            entry["overhead"] = {}
            for name in ("profile", "cohort"):
                ratio = paired_ratio(timings[name]["hub"], timings[name]["hub-off"])
                entry["overhead"][name] = round(ratio, 3)
                print(f"governance overhead on {name} ({backend}): {ratio:.2f}x, median of paired ratios "
                      f"(target <= {MAX_OVERHEAD})")
                traced = paired_ratio(timings[name]["traced"], timings[name]["hub"])
                entry["overhead"][f"{name}_tracing_recorded"] = round(traced, 3)
                print(f"  recording and exporting every span on {name}: {traced:.2f}x the governed hub, "
                      f"{paired_ratio(timings[name]['traced'], timings[name]['hub-off']):.2f}x governance off")
                if ratio > MAX_OVERHEAD:
                    failures.append(f"{backend}: governance overhead on {name} is {ratio:.2f}x > {MAX_OVERHEAD}")
    report["failures"] = failures
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{'quick' if args.quick else 'full'}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")
    for f in failures:
        print(f"TARGET MISSED: {f}", file=sys.stderr)
    return 1 if failures and args.quick else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="CI mode: small data, seconds, fails on missed targets")
    parser.add_argument("--people", type=int, help="data set size (default 38000, quick 1500)")
    parser.add_argument("--iterations", type=int, help="timed calls per contender and scenario")
    parser.add_argument("--http-seconds", type=float, help="load duration per contender")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP phase")
    parser.add_argument("--workers", type=int, nargs="*", default=[],
                        help="also measure the governed hub with these uvicorn worker counts, e.g. 1 2 4")
    parser.add_argument("--postgres", default=os.environ.get("HUB_BENCH_POSTGRES_URL"),
                        help="also run in-process on PostgreSQL (admin URL; databases hubbench_* are kept)")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()

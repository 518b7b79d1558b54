"""``python -m bench [--quick] [--people N] [--postgres URL]``: the hub against an expert's bare server.

Seeds (once) a data set, then for each scenario measures in the same run, interleaved call by call:
the governed hub for the caller of a benchmark-only agreement that releases everything it selects
(equal work: it loads and returns what the hub with governance off and the bare server do, checked
value by value before timing), the hub with governance off, an expert's bare Strawberry server on the
same databases (bench/bare.py), and the governed hub for the question's realistic caller (an IOM
officer, say: fields withheld, so less work, labelled as such). Then over HTTP with one uvicorn worker
each, plus a plain Starlette JSON endpoint as the floor. Prints every ratio next to its target and the
machine yardstick, and writes JSON under bench/results/.

``--quick`` is the CI mode: small data, about a minute, and a non-zero exit when the hub's Python calls
per request pass their gates (against governance off, and against the bare server: counts, which a busy
machine barely moves) or when the cohort page's SQL statements grow with the page size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from bench.agencies import agency_names, agency_url
from bench.agreement import write_equal_work_policy
from bench.asgi_call import request
from bench.bare import bare_app, floor_app
from bench.dataset import AS_OF, prepare
from bench.equal_output import require_equal
from bench.http_load import build_request, run_load
from bench.inprocess import Contender, Timing, call, measure, paired_ratio
from bench.policy_decisions import yardstick_ms
from bench.scenarios import EQUAL_WORK, Caller, Scenario, build
from bench.server import NoAudit
from hub.core import telemetry
from hub.core.settings import Settings
from hub.web import collector
from hub.web.app import create_app
from hub.web.runtime import Hub

RESULTS = Path(__file__).with_name("results")
#: The scenarios whose governance overhead is gated, and which the quick mode measures.
GATED = ("profile", "cohort")
#: The contenders that must return the same answer (equal work and equal output).
EQUAL = ("hub", "hub-off", "bare")


@dataclass(frozen=True)
class Target:
    """A ratio's target (the speed issue's) and, where CI enforces one, its looser gate."""

    what: str
    limit: float
    #: True: the ratio must not exceed the limit; False: it must not fall below it
    at_most: bool
    #: ``--quick`` fails beyond this (None: printed against the target, not enforced)
    gate: float | None = None

    def met(self, ratio: float, limit: float) -> bool:
        return ratio <= limit if self.at_most else ratio >= limit

    def describe(self, ratio: float) -> str:
        sign = "<=" if self.at_most else ">="
        text = f"{ratio:.2f}x (target {sign} {self.limit}: {'met' if self.met(ratio, self.limit) else 'missed'}"
        if self.gate is not None:
            text += f"; CI gate {sign} {self.gate}: {'passes' if self.met(ratio, self.gate) else 'FAILS'}"
        return text + ")"


# Times are printed against the speed issue's targets; CI's gates are counts a busy machine barely moves (the
# executor's time slices add a few calls to a slow run: the cohort page's ratio read 1.05x to 1.19x). The
# governance-on/off time ratio gated before moved by 0.1 between runs of the same code on a loaded machine,
# and grows when the hub's shared machinery gets faster while governance costs the same. The issue's own
# guard (0.7x the bare server's requests a second) is printed, not enforced: at the quick size, the median of
# three short rounds still gave 0.65x to 1.02x in four runs of the same code on one quiet machine.
OVERHEAD = Target("governance on / off at equal work, in-process, median of paired ratios", 1.10, True)
P50_VS_BARE = Target("governed hub / expert bare, in-process median at equal output", 1.25, True)
RPS_VS_BARE = Target("governed hub / expert bare, HTTP requests per second at equal output (CI guard 0.7x, "
                     "not enforced)", 0.8, False)
#: Python function calls per request (cProfile): governance's own work, and the hub's against the bare server's.
# Room above what it read in CI runs of this code (1.05x-1.19x on the cohort page, 1.19x-1.23x on the profile).
CALLS_VS_OFF = Target("governance on / off at equal work, Python calls per request", 1.10, True, gate=1.40)
CALLS_VS_BARE = Target("governed hub / expert bare, Python calls per request", 1.25, True, gate=1.75)


class DiscardingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


Headers = Callable[[Scenario], dict[str, str]]


def headers_for(settings: Settings, who: Callable[[Scenario], Caller]) -> Headers:
    """Request headers (a development token, the purpose) for the caller ``who`` picks per scenario."""
    from hub.web.auth import issue_dev_token

    tokens: dict[str, str] = {}

    def headers(s: Scenario) -> dict[str, str]:
        c = who(s)
        if c.user not in tokens:
            tokens[c.user] = issue_dev_token(settings, user=c.user, agency=c.agency, roles=[c.role], ttl=6 * 3600)
        h = {"authorization": f"Bearer {tokens[c.user]}", "x-purpose-of-use": c.purpose}
        if c.justification:
            h["x-justification"] = c.justification
        return h

    return headers


def equal_work(settings: Settings) -> Headers:
    return headers_for(settings, lambda _s: EQUAL_WORK)


def as_caller(settings: Settings) -> Headers:
    return headers_for(settings, lambda s: s.caller)


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
    if settings.policy_dir is not None:
        env["HUB_POLICY_DIR"] = str(settings.policy_dir)
    env.update({f"HUB_{a.upper()}_DB": agency_url(settings, a) for a in agency_names()})
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


async def http_phase(settings: Settings, scenario: Scenario, *, seconds: float, connections: int,
                     workers: int = 1, modes: tuple[str, ...] = ("hub", "hub-noaudit", "hub-off", "bare", "floor")
                     ) -> dict[str, dict[str, Any]]:
    """Each mode served by uvicorn in its own process, then loaded by closed-loop keep-alive clients.

    The hub modes are called as the equal-work caller, so every mode returns the same answer.
    """
    headers = equal_work(settings)
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
                                    headers(scenario) if mode in ("hub", "hub-noaudit") else {})
            await run_load("127.0.0.1", port, req, connections=connections, seconds=min(1.0, seconds / 4))  # warm
            result = await run_load("127.0.0.1", port, req, connections=connections, seconds=seconds,
                                    ok=lambda _s, body: b'"errors"' not in body and b'"data":null' not in body)
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
    print(f"{'scenario':<10} {'contender':<10} {'median ms':>10} {'p99 ms':>9} {'SQL':>5} {'rows':>5} "
          f"{'withheld':>8} {'vs off':>7} {'vs bare':>8} {'py calls':>9}")
    for scenario, timings in rows.items():
        off, bare = timings.get("hub-off"), timings.get("bare")
        for name, t in timings.items():
            vs_off = f"{t.median_ms / off.median_ms:.2f}x" if off else ""
            vs_bare = f"{t.median_ms / bare.median_ms:.2f}x" if bare else ""
            print(f"{scenario:<10} {name:<10} {t.median_ms:>10.2f} {t.p99_ms:>9.2f} {t.statements:>5} {t.rows:>5} "
                  f"{t.withheld:>8} {vs_off:>7} {vs_bare:>8} {t.calls:>9}")
    print("py calls: Python function calls one request makes in the event loop's thread (cProfile), a count the "
          "machine's load barely moves")
    print("hub, traced, no-audit: governed, as the equal-work caller (bench/agreement.py; same answer as hub-off "
          "and bare, checked);\nas-caller: governed, as the question's realistic caller (e.g. an IOM officer): "
          "fields withheld, so less work than the others")


async def check_floor(floor: Any, profile: Scenario, expected: object) -> None:
    """The floor's JSON is the profile query's answer, value for value."""
    status, body = await request(floor, "GET", f"/people/{profile.variables['id']}")
    if status != 200:
        raise RuntimeError(f"the floor answered HTTP {status}")
    require_equal("profile (floor)", {"hub": expected, "floor": json.loads(body)["data"]})


async def inprocess_phase(settings: Settings, scenarios: list[Scenario], *, iterations: int, warmup: int,
                          quick: bool) -> tuple[dict[str, dict[str, Timing]], dict[str, int]]:
    hub = Hub.open(settings)
    plain = Hub.open(settings)  # governance off: its own engines, so no SQL statement spans either
    bare, stores = bare_app(settings)
    floor, floor_stores = floor_app(settings)
    governed = create_app(settings, hub=hub)
    try:
        equal = equal_work(settings)
        contenders = [
            Contender("hub", governed, hub.sql_engines(), equal),
            Contender("hub-off", create_app(settings, governance=False, hub=plain), plain.sql_engines(),
                      lambda s: {}),
            Contender("bare", bare, stores.all(), lambda s: {}),
            Contender("as-caller", governed, hub.sql_engines(), as_caller(settings), withholds=True),
        ]
        if not quick:
            contenders += [
                Contender("traced", governed, hub.sql_engines(), equal, traced=True),
                Contender("no-audit", create_app(settings, hub=hub, audit=NoAudit()),  # type: ignore[arg-type]
                          hub.sql_engines(), equal),
            ]
        # Every contender shares this process, so the collector is tuned as `hub serve` tunes it,
        # for all of them alike.
        collector.settle(settings.gc_threshold)
        results = {}
        for s in scenarios:
            # Equal output first: a ratio between contenders that answer differently measures nothing.
            # `call` has already refused any error; the governed hub's traceId extension is not data.
            answers = {c.name: (await call(c, s))[1]["data"] for c in contenders if c.name in EQUAL}
            require_equal(s.name, answers)
            if s.name == "profile":
                await check_floor(floor, s, answers["hub"])
            # The cohort page costs ten times a single lookup, so it gets fewer calls; but not fewer than 40:
            # with 20 the median of paired ratios moved by 0.05 between quiet runs of the same code.
            n = max(40, iterations // 3) if s.name == "cohort" else iterations
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
        await floor_stores.close()


def ratios(timings: dict[str, dict[str, Timing]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, t in timings.items():
        r = {"overhead_equal_work": paired_ratio(t["hub"], t["hub-off"]),
             "hub_vs_bare_p50": t["hub"].median_ms / t["bare"].median_ms,
             "off_vs_bare_p50": t["hub-off"].median_ms / t["bare"].median_ms,
             "as_caller_vs_off": paired_ratio(t["as-caller"], t["hub-off"]),
             "python_calls_vs_bare": t["hub"].calls / t["bare"].calls if t["bare"].calls else 0.0,
             "python_calls_vs_off": t["hub"].calls / t["hub-off"].calls if t["hub-off"].calls else 0.0}
        if "traced" in t:
            r["tracing_recorded_vs_hub"] = paired_ratio(t["traced"], t["hub"])
        out[name] = {k: round(v, 3) for k, v in r.items()}
    return out


def http_ratio(http: dict[str, dict[str, Any]], a: str, b: str) -> float:
    return float(http[a]["rps"] / http[b]["rps"]) if http.get(b, {}).get("rps") else 0.0


def print_http(title: str, http: dict[str, dict[str, Any]]) -> None:
    print(f"\n{title}")
    for mode, r in http.items():
        print(f"  {mode:<12} {r['rps']:>8.1f} req/s  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  "
              f"errors {r['errors']}  peak RSS {r['peak_rss_mb']} MB")


async def run(args: argparse.Namespace) -> int:
    people = args.people or (1500 if args.quick else 38_000)
    iterations = args.iterations or (60 if args.quick else 300)
    http_seconds = args.http_seconds or (1.5 if args.quick else 10.0)
    report: dict[str, Any] = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "people": people,
                              "quick": args.quick, "iterations": iterations, "machine": os.uname().nodename,
                              "cpus": os.cpu_count(), "stores": {}}
    # Absolute figures depend on the machine: this yardstick says how fast this one is next to
    # ../shared/PERFORMANCE.md's reference machine (about 4 ms).
    yardstick = round(yardstick_ms(), 2)
    report["enforce_750_lines_ms"] = yardstick
    yardstick_line = (f"machine yardstick: pycasbin enforce() over 750 policy lines takes {yardstick} ms here "
                      "(about 4 ms on PERFORMANCE.md's reference machine)")
    print(yardstick_line)
    failures: list[str] = []
    # Spans go through the SDK's batch processor to an exporter that drops them: the production path
    # minus the network. Only the "traced" contender records; the others run as the default does
    # with no exporter configured (trace ids, no recorded spans).
    telemetry.configure([BatchSpanProcessor(DiscardingExporter())])
    telemetry.set_recording(False)
    backends = [("sqlite", None)] + ([("postgresql", args.postgres)] if args.postgres else [])
    for backend, pg in backends:
        base, seeded = await prepare(people, postgres=pg)
        with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
            # Keys, the benchmark-only policy and a fresh audit trail per run; agency data and the index
            # stay shared. Caseloads are cached for the production default (Settings.caseload_ttl_seconds)
            # in every contender: the equal-work caller has no caseload condition to load one for, and
            # the realistic caller's statements are counted right after its warm-up, within the TTL.
            policy = Path(tmp) / "policy"
            write_equal_work_policy(policy)
            settings = base.model_copy(update=dict(
                data_dir=Path(tmp), audit_url=f"sqlite+aiosqlite:///{tmp}/audit.db", policy_dir=policy,
                agency_urls={name: agency_url(base, name) for name in agency_names()}))
            scenarios = await build(settings, AS_OF)
            if args.quick:
                scenarios = [s for s in scenarios if s.name in GATED]
            timings, growth = await inprocess_phase(settings, scenarios, iterations=iterations, warmup=3,
                                                    quick=args.quick)
            print_table(f"In-process, {backend}, {people} people, {iterations} iterations "
                        f"({max(20, iterations // 3)} for the cohort page)", timings)
            print(f"cohort page SQL statements by page size (governed hub): {growth}")
            entry: dict[str, Any] = {
                "seed_seconds": round(seeded, 1) if seeded is not None else None,
                "caseload_ttl_seconds": settings.caseload_ttl_seconds,
                "inprocess": {s: {c: t.as_dict() for c, t in ts.items()} for s, ts in timings.items()},
                "cohort_statements_by_page_size": growth,
                "ratios": ratios(timings),
            }
            report["stores"][backend] = entry
            if growth["50"] != growth["200"]:
                failures.append(f"{backend}: cohort page statements grow with page size: {growth}")
            if backend == "sqlite" and not args.no_http:
                by_name = {s.name: s for s in scenarios}
                modes = ("hub", "bare") if args.quick else ("hub", "hub-noaudit", "hub-off", "bare", "floor")
                # Quick runs are short, so a burst on the machine can sink one contender's second and a half:
                # three alternating rounds, and the round with the median hub / bare ratio stands.
                rounds = [await http_phase(settings, by_name["profile"], seconds=http_seconds,
                                           connections=args.connections, modes=modes)
                          for _ in range(3 if args.quick else 1)]
                rounds.sort(key=lambda result: http_ratio(result, "hub", "bare"))
                http = {"profile": rounds[len(rounds) // 2]}
                print_http(f"HTTP, one uvicorn worker each, profile query, {args.connections} connections, "
                           f"{http_seconds:g} s (hub modes as the equal-work caller"
                           f"{'; the median of three rounds' if args.quick else ''}):", http["profile"])
                if not args.quick:
                    http["cohort"] = await http_phase(settings, by_name["cohort"], seconds=http_seconds,
                                                      connections=args.connections, modes=("hub", "hub-off", "bare"))
                    print_http("HTTP, cohort page of 200, same set-up:", http["cohort"])
                entry["http"] = http
                for scenario, result in http.items():
                    if any(r["errors"] for r in result.values()):
                        failures.append(f"HTTP load on {scenario} had errors")
                    entry["ratios"][scenario]["hub_vs_bare_rps"] = round(http_ratio(result, "hub", "bare"), 3)
                    if "hub-noaudit" in result:
                        entry["ratios"][scenario]["audit_rps"] = round(http_ratio(result, "hub", "hub-noaudit"), 3)
            if backend == "sqlite" and args.workers:
                profile = next(s for s in scenarios if s.name == "profile")
                scaling = {}
                for n in args.workers:
                    result = await http_phase(settings, profile, seconds=http_seconds,
                                              connections=args.connections * n, workers=n, modes=("hub",))
                    scaling[str(n)] = result["hub"]
                    print(f"  governed hub, {n} worker(s): {result['hub']['rps']:.1f} req/s, "
                          f"errors {result['hub']['errors']}")
                entry["workers"] = scaling
            failures += print_ratios(backend, entry["ratios"])
    print(yardstick_line)
    report["failures"] = failures
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{'quick' if args.quick else 'full'}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")
    for f in failures:
        print(f"TARGET MISSED: {f}", file=sys.stderr)
    return 1 if failures and args.quick else 0


def print_ratios(backend: str, by_scenario: dict[str, dict[str, float]]) -> list[str]:
    """Print each ratio beside its target; return the gates missed (--quick fails on them)."""
    failures = []
    print(f"\nRatios ({backend}); targets from the speed issue, CI gates enforced by --quick:")
    for name in GATED:
        r = by_scenario.get(name)
        if r is None:
            continue
        print(f"  {name}: {OVERHEAD.what}: {OVERHEAD.describe(r['overhead_equal_work'])}")
        print(f"  {name}: {P50_VS_BARE.what}: {P50_VS_BARE.describe(r['hub_vs_bare_p50'])}"
              f"  (governance off / bare: {r['off_vs_bare_p50']:.2f}x)")
        checked = [(CALLS_VS_OFF, r["python_calls_vs_off"]), (CALLS_VS_BARE, r["python_calls_vs_bare"])]
        if "hub_vs_bare_rps" in r:
            checked.append((RPS_VS_BARE, r["hub_vs_bare_rps"]))
        for target, ratio in checked:
            print(f"  {name}: {target.what}: {target.describe(ratio)}")
            if target.gate is not None and not target.met(ratio, target.gate):
                failures.append(f"{backend}: {name}: {target.what} is {ratio:.2f}x, beyond the CI gate {target.gate}")
        print(f"  {name}: realistic caller (fields withheld: not equal work) / governance off: "
              f"{r['as_caller_vs_off']:.2f}x")
    others = [n for n in by_scenario if n not in GATED]
    if others:
        print("  other questions, governed hub / bare at equal output, in-process median: " + ", ".join(
            f"{n} {by_scenario[n]['hub_vs_bare_p50']:.2f}x" for n in others))
        mean = statistics.geometric_mean(r["hub_vs_bare_p50"] for r in by_scenario.values())
        print(f"  geometric mean over all questions: {mean:.2f}x")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="CI mode: small data, seconds, fails on missed gates")
    parser.add_argument("--people", type=int, help="data set size (default 38000, quick 1500)")
    parser.add_argument("--iterations", type=int, help="timed calls per contender and scenario (default 300, quick 60)")
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

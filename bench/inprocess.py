"""In-process timing: each contender's ASGI app called directly, contenders interleaved call by call
so drift on a noisy machine hits all of them alike and the ratios hold."""

from __future__ import annotations

import cProfile
import json
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from bench.asgi_call import post_json
from bench.scenarios import Scenario
from hub.core import telemetry
from hub.core.statement_counter import count_statements


@dataclass
class Contender:
    name: str
    app: ASGIApp
    engines: dict[str, AsyncEngine]
    headers: Callable[[Scenario], dict[str, str]]
    #: record (and export) spans during this contender's calls; others run with the default, no exporter
    traced: bool = False
    #: fields withheld by an agreement (FIELD_NOT_SHARED) are expected: the realistic caller only
    withholds: bool = False


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p99_ms: float
    statements: int
    rows: int
    withheld: int
    #: Python function calls one request makes (cProfile): a count, not a time, so a busy machine barely moves it
    calls: int = 0
    #: every timed call in order: call i of each contender ran back to back with call i of the others
    samples: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, float | int]:
        return {"median_ms": round(self.median_ms, 3), "p99_ms": round(self.p99_ms, 3),
                "statements": self.statements, "rows": self.rows, "withheld_errors": self.withheld,
                "python_calls": self.calls}


class ContenderFailed(Exception):
    pass


def _rows(data: object) -> int:
    """People in a response: edges of a connection, items of a list, or 1 for a single person."""
    if not isinstance(data, dict):
        return 0
    (value,) = data.values()
    if isinstance(value, dict) and "edges" in value:
        return len(value["edges"])
    if isinstance(value, list):
        return sum(1 for v in value if v)
    return int(value is not None)


async def call(c: Contender, s: Scenario) -> tuple[float, dict[str, Any]]:
    """One call: milliseconds and the parsed answer; ContenderFailed on an error the contender should not give."""
    telemetry.set_recording(c.traced)
    try:
        started = time.perf_counter()
        status, body = await post_json(c.app, "/graphql", s.body(), c.headers(s))
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        telemetry.set_recording(False)
    result = json.loads(body)
    if status != 200 or result.get("data") is None:
        raise ContenderFailed(f"{c.name} on {s.name}: HTTP {status}: {body[:300]!r}")
    unexpected = [e for e in result.get("errors", [])
                  if not c.withholds or e.get("extensions", {}).get("code") != "FIELD_NOT_SHARED"]
    if unexpected:
        raise ContenderFailed(f"{c.name} on {s.name}: {unexpected[0]}")
    return elapsed, result


async def measure(contenders: list[Contender], scenario: Scenario, *, iterations: int,
                  warmup: int) -> dict[str, Timing]:
    samples: dict[str, list[float]] = {c.name: [] for c in contenders}
    facts: dict[str, tuple[int, int, int, int]] = {}
    for c in contenders:
        for _ in range(warmup):  # caches warm (parsed documents, caseloads) before statements are counted
            await call(c, scenario)
        with count_statements(c.engines) as counted:
            _, result = await call(c, scenario)
        errors = result.get("errors") or []
        withheld = len(errors) if isinstance(errors, list) else 0
        facts[c.name] = (sum(counted.values()), _rows(result["data"]), withheld, await python_calls(c, scenario))
    for _ in range(iterations):
        for c in contenders:
            elapsed, _ = await call(c, scenario)
            samples[c.name].append(elapsed)
    out = {}
    for c in contenders:
        xs = sorted(samples[c.name])
        p99 = xs[min(len(xs) - 1, round(0.99 * (len(xs) - 1)))]
        statements, rows, withheld, calls = facts[c.name]
        out[c.name] = Timing(statistics.median(xs), p99, statements, rows, withheld, calls, tuple(samples[c.name]))
    return out


async def python_calls(c: Contender, s: Scenario) -> int:
    """Python function calls in the event loop's thread for one call (the audit's writer thread is not
    counted; its commit is inline). Deterministic where times are not."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        await call(c, s)
    finally:
        profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def paired_ratio(a: Timing, b: Timing) -> float:
    """Median over iterations of a's call time / b's call time in the same iteration.

    Calls of one iteration run back to back, so a slow spell of the machine (another process, a
    disk flush) hits both sides of each ratio; the median then discards the spells that did not.
    """
    return statistics.median(x / y for x, y in zip(a.samples, b.samples, strict=True))

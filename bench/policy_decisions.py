"""Per-field decision cost: pycasbin ``enforce()`` versus a planned ``plan.field(key)`` lookup.

Run from the repository root:  .venv/bin/python -m bench.policy_decisions [--lines 750]

Measures, in one run: enforce() per call on the shipped policy and on a policy grown to about
``--lines`` lines (the shipped rows replicated under synthetic roles, so the matcher has that
many lines to scan); the planned lookup per call; the time to plan a policy version (load,
validate and ask Casbin for every role x purpose x group) and to build one request's plan.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from itertools import cycle, islice

import casbin

from policies.agreements import Rule
from policies.loader import MODEL_FILE, PACKAGED, check_policy, load_policy
from policies.planner import build_enforcer, plan_groups
from policies.vocabulary import GROUPS


def per_call(fn: Callable[[], object], calls: int, repeats: int = 5) -> float:
    """Median seconds per call over ``repeats`` batches of ``calls`` calls."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def once(fn: Callable[[], object], repeats: int = 5) -> float:
    return per_call(fn, 1, repeats)


def grow(rules: tuple[Rule, ...], lines: int) -> tuple[Rule, ...]:
    """The shipped rules plus copies under synthetic roles, up to about ``lines`` lines."""
    out = list(rules)
    k = 0
    while len(out) < lines:
        k += 1
        out.extend(replace(r, role=f"{r.role}-synthetic-{k}") for r in rules[: lines - len(out)])
    # the real roles' rules last, so enforce() scans the synthetic lines first, as in a big policy
    return (*out[len(rules):], *rules)


def grown_enforcer(rules: tuple[Rule, ...], lines: int) -> casbin.Enforcer:
    """An enforcer over the shipped model and ``rules`` grown to about ``lines`` policy lines."""
    return build_enforcer(PACKAGED / MODEL_FILE, grow(rules, lines))


def yardstick_ms(lines: int = 750, calls: int = 50) -> float:
    """Milliseconds per enforce() on a policy of ``lines`` lines: ../shared/PERFORMANCE.md quotes about 4 ms
    on its reference machine, so this says how fast the machine measuring is, next to figures from others."""
    policy = load_policy(PACKAGED)
    enforcer = grown_enforcer(policy.agreements.rules, lines)
    requests = cycle(list(policy.groups))
    return per_call(lambda: enforcer.enforce(*next(requests)), calls) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=750)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    policy = load_policy(PACKAGED)
    rules = policy.agreements.rules
    requests = [(role, purpose, group) for (role, purpose, group) in policy.groups]
    fields = list(policy.catalogue.fields)
    plan = policy.plan(("probation-practitioner",), "daily-intel")

    shipped = build_enforcer(PACKAGED / MODEL_FILE, rules)
    big = grown_enforcer(rules, args.lines)
    big_lines = len(big.get_policy())

    shipped_requests = cycle(requests)
    big_requests = cycle(requests)
    keys = cycle(fields)

    enforce_shipped = per_call(lambda: shipped.enforce(*next(shipped_requests)), args.calls)
    enforce_big = per_call(lambda: big.enforce(*next(big_requests)), max(20, args.calls // 4))
    lookup = per_call(lambda: plan.field(next(keys)), 200_000)
    row = list(islice(cycle(fields), 9))
    lookup_row = per_call(lambda: [plan.field(k) for k in row], 50_000)

    load = once(lambda: check_policy(PACKAGED))
    plan_big = once(lambda: plan_groups(big, policy.agreements), repeats=3)
    roles = ("police-iom-officer", "housing-officer")

    def uncached() -> object:
        policy._plans.clear()  # measure planning, not the per-version cache
        return policy.plan(roles, "mappa")

    multi = once(uncached, repeats=20)
    cached = per_call(lambda: policy.plan(roles, "mappa"), 100_000)

    decisions = len(requests)
    print(f"policy {policy.version}: {len(rules)} shipped lines, {big_lines} grown lines, "
          f"{decisions} role x purpose x group decisions ({len(GROUPS)} groups), {len(fields)} fields")
    print(f"enforce() per call, shipped policy ({len(rules)} lines):  {enforce_shipped * 1e6:10.1f} us")
    print(f"enforce() per call, grown policy ({big_lines} lines):   {enforce_big * 1e6:10.1f} us")
    print(f"plan.field(key) per call:                       {lookup * 1e9:10.1f} ns")
    print(f"plan.field(key) for 9 fields of one row:        {lookup_row * 1e9:10.1f} ns")
    print(f"ratio enforce/lookup, shipped:                  {enforce_shipped / lookup:10.0f}x")
    print(f"ratio enforce/lookup, grown:                    {enforce_big / lookup:10.0f}x")
    print(f"plan a version (read, validate, {decisions} enforce calls, shipped): {load * 1e3:8.1f} ms")
    print(f"plan the {decisions} decisions on the grown policy:              {plan_big * 1e3:8.1f} ms")
    print(f"plan one request, two roles, uncached:           {multi * 1e6:10.1f} us")
    print(f"plan one request, cached:                        {cached * 1e9:10.1f} ns")
    print(f"a 200-row page x 9 fields: enforce() ~{enforce_big * 1800 * 1e3:.0f} ms (grown) "
          f"vs lookups ~{lookup * 1800 * 1e6:.0f} us")


if __name__ == "__main__":
    main()

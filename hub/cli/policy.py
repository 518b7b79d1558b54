"""``hub policy``: the agreement files' own actions (policies/cli.py), and ``diff``, which counts the people
each change would reach from the agencies' current data.

``hub policy diff OLD NEW`` lists, for each role under each purpose it may state and each field group,
what the candidate version NEW would newly allow, mask or deny compared with OLD, with the number of
people whose records hold that group today (everyone in the person index for shared identity; for an
agency's group, everyone it holds a record about). A change under a condition reaches only the caller's
own people among them (caseload, victims' cases, relationship): the count is the most it could reach.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hub.core.settings import Settings
from hub.services.policy_impact import people_holding
from hub.web.runtime import Hub
from hub.web.shadow import LOG_NAME, shadow_log
from policies import cli as policy_cli
from policies.diff import CellChange, diff
from policies.loader import PolicyInvalid, load_policy


def configure(parser: argparse.ArgumentParser) -> None:
    sub = policy_cli.configure(parser)
    d = sub.add_parser("diff", help="what a candidate policy version would newly allow, mask or deny, and for "
                                    "how many people")
    d.add_argument("old", type=Path, help="the live policy directory")
    d.add_argument("new", type=Path, help="the candidate policy directory")
    d.add_argument("--json", action="store_true", help="one JSON object per line")
    s = sub.add_parser("shadow-report", help="where a candidate policy (HUB_POLICY_SHADOW) judged real traffic "
                                             "otherwise than the live one")
    s.add_argument("--log", type=Path, help=f"the shadow log (default: {LOG_NAME} in the data folder)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.policy_command == "shadow-report":
        return _shadow_report(args.log or shadow_log(settings))
    if args.policy_command != "diff":
        return policy_cli.run(args, settings)
    try:
        old, new = load_policy(args.old), load_policy(args.new)
    except PolicyInvalid as exc:
        print(f"hub policy diff: a version is invalid, so it could not apply:\n{exc}", file=sys.stderr)
        return 1
    changes = diff(old, new)
    reached = asyncio.run(people_holding_now(settings, {c.owner for c in changes}))
    if args.json:
        for c in changes:
            print(json.dumps({**asdict(c), "people": reached[c.owner]}))
        return 0
    print(f"{args.old} ({old.version}) -> {args.new} ({new.version}): {len(changes)} cell(s) change")
    for c in changes:
        print(_line(c, reached[c.owner]))
    return 0


def _shadow_report(log: Path) -> int:
    if not log.is_file():
        print(f"no shadow log at {log}: no candidate policy has differed from the live one there")
        return 0
    seen: dict[tuple[str, ...], list[Any]] = {}
    for line in log.read_text().splitlines():
        d = json.loads(line)
        key = (" ".join(d["roles"]), d["purpose"], d["field"], d["live"], d["shadow"], d["shadowVersion"])
        entry = seen.setdefault(key, [0, 0, d["at"], d["at"]])
        entry[0] += 1
        entry[1] += d["people"]
        entry[3] = d["at"]
    for (roles, purpose, field, live, shadow, version), (requests, people, first, last) in sorted(seen.items()):
        print(f"{roles} / {purpose} / {field}: live {live}, candidate {version} {shadow}: "
              f"{requests} request(s), {people} people's values, {first} to {last}")
    return 0


def _line(c: CellChange, people: int) -> str:
    clause = c.clause_after or c.clause_before
    return (f"{c.kind:<17} {c.role} / {c.purpose} / {c.group}: {c.before} -> {c.after}"
            f"{f' [{clause}]' if clause else ''}; {people} people hold {c.owner} records")


async def people_holding_now(settings: Settings, owners: set[str]) -> dict[str, int]:
    hub = Hub.open(settings)
    try:
        return await people_holding(hub.index, hub.agencies, owners)
    finally:
        await hub.close()

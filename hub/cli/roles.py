"""``hub roles``: who may do what, as the agreement files say: each role, the agencies that may issue
tokens for it, and the purposes it may state (with whether an ``X-Justification`` is required).

``--markdown`` prints the README's table (a test keeps the two the same).
"""

from __future__ import annotations

import argparse

from hub.core.settings import Settings
from policies.agreements import Agreements
from policies.loader import load_policy, policy_dir


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--markdown", action="store_true", help="as the README's table")


def purposes_of(agreements: Agreements, role: str) -> list[str]:
    return sorted(p.purpose for p in agreements.purposes.values() if role in p.roles)


def table(settings: Settings) -> str:
    agreements = load_policy(policy_dir(settings)).agreements
    rows = ["| role | issued by (token `agency`) | purposes it may state (`X-Purpose-Of-Use`) |", "|---|---|---|"]
    for role in sorted(agreements.roles.held):
        purposes = ", ".join(
            f"`{p}`" + (" (with `X-Justification`)" if agreements.purposes[p].justification_required else "")
            for p in purposes_of(agreements, role))
        issuers = ", ".join(f"`{a}`" for a in sorted(agreements.roles.held[role]))
        rows.append(f"| `{role}` | {issuers} | {purposes or '—'} |")
    return "\n".join(rows)


def run(args: argparse.Namespace, settings: Settings) -> int:
    agreements = load_policy(policy_dir(settings)).agreements
    if args.markdown:
        print(table(settings))
        return 0
    for role in sorted(agreements.roles.held):
        print(f"{role:<24} issued by {' '.join(sorted(agreements.roles.held[role])):<12} "
              f"purposes: {' '.join(purposes_of(agreements, role))}")
    return 0

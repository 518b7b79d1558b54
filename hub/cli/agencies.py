"""``hub agencies``: the registered agencies, as the hub derives everything agency by agency from them.

``--markdown`` prints the README's table (a test keeps the two the same).
"""

from __future__ import annotations

import argparse

from connectors.registry import AGENCIES
from hub.core.settings import Settings
from policies.loader import load_policy, policy_dir


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--markdown", action="store_true", help="as the README's table")


def table(settings: Settings) -> str:
    roles = load_policy(policy_dir(settings)).agreements.roles
    rows = ["| agency | `Person` field and record type | key identifier (others held) | database setting | "
            "`partnershipCounts` measures | roles it issues |",
            "|---|---|---|---|---|---|"]
    for package in AGENCIES:
        a = package.agency
        held = ", ".join(f"`{s.name}`" for s in a.schemes[1:])
        issued = sorted(role for role, agencies in roles.held.items() if a.name in agencies)
        rows.append(
            f"| {a.description} | `{a.name}`: `{a.record_type}` | `{a.key_scheme}`{f' ({held})' if held else ''} | "
            f"`HUB_{a.name.upper()}_DB` | {', '.join(f'`{m}`' for m in [*a.measures, *a.outcomes]) or '—'} | "
            f"{', '.join(f'`{r}`' for r in issued) or '—'} |")
    return "\n".join(rows)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.markdown:
        print(table(settings))
        return 0
    for package in AGENCIES:
        a = package.agency
        print(f"{a.name:<12} {a.record_type:<18} key {a.key_scheme:<18} database: {_source(settings, a.name)}")
    return 0


def _source(settings: Settings, name: str) -> str:
    """Where the agency's database URL comes from (never the URL: it may carry a password)."""
    if name in settings.agency_urls:
        return f"HUB_{name.upper()}_DB"
    if settings.agency_db_template:
        return "HUB_AGENCY_DB_TEMPLATE"
    return f"{name}.db under the data folder"

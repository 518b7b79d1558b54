"""The ``hub`` command. Each subcommand lives in the module that owns its concern.

A subcommand module exposes ``configure(parser)`` to add its arguments and
``run(args, settings) -> int`` to do the work; modules are imported only when chosen,
so ``hub token`` does not load the GraphQL schema.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hub.core.errors import HubError
from hub.core.settings import Settings

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("hub.cli.serve", "run the hub (seeds synthetic data on first run of the embedded default)"),
    "seed": ("hub.cli.seed", "generate deterministic synthetic agency data"),
    "agencies": ("hub.cli.agencies", "list the registered agencies, their identifiers, settings, measures and roles"),
    "agency": ("hub.cli.agency", "run an agency's own API over its database (serve), or mint a token for it"),
    "roles": ("hub.cli.roles", "list the roles, the agencies that issue them and the purposes each may state"),
    "token": ("hub.cli.token", "print a signed development token"),
    "policy": ("hub.cli.policy", "check, explain and compare versions of the information sharing agreements"),
    "audit": ("audit.cli", "verify, export and review the audit trail"),
    "simulate": ("hub.cli.simulate", "change an agency's own records as its system would (a release, an arrest)"),
    "events": ("hub.cli.events", "watch the partnership's event stream, people pseudonymised (information governance)"),
    "db": ("hub.cli.migrate", "apply migrations to the hub's own stores (person index, audit trail)"),
}


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Partnership data hub")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = argv[0] if argv else None
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        # Only the chosen command's module is imported (to add its arguments).
        if chosen == name:
            importlib.import_module(module_name).configure(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(args_in).parse_args(args_in)
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        settings = Settings.from_env()
        code: int = module.run(args, settings)
    except HubError as exc:
        print(f"hub {args.command}: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code



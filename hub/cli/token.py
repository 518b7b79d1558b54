"""``hub token``: print a development token for a synthetic member of staff or a partner system."""

from __future__ import annotations

import argparse
import sys

from connectors.registry import AGENCIES
from hub.core.errors import HubError
from hub.core.settings import Settings
from hub.web.auth.keys import PRIVATE_FILE
from hub.web.auth.tokens import issue_dev_token


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="user id (e.g. om-001) or, with --service, client id")
    parser.add_argument("--agency", required=True,
                        help=f"the issuing agency: {', '.join(a.name for a in AGENCIES)} or partnership")
    parser.add_argument("--role", action="append", required=True, help="a role (repeat for several)")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    parser.add_argument("--service", action="store_true", help="a partner system's client, not a person")


def run(args: argparse.Namespace, settings: Settings) -> int:
    keys = settings.keys_dir.resolve()
    new_keys = not (keys / PRIVATE_FILE).exists()
    try:
        token = issue_dev_token(settings, user=args.user, agency=args.agency, roles=args.role, ttl=args.ttl,
                                kind="service" if args.service else "user")
    except HubError as exc:
        print(f"hub token: {exc.message}", file=sys.stderr)
        return 2
    if new_keys:
        # A hub already running on another data folder has other keys and would answer "bad signature".
        print(f"hub token: WARNING: created a new development key pair in {keys}. A hub that is already "
              f"running with another data folder does not know it and will reject this token; run the hub "
              f"with HUB_DATA_DIR={keys.parent} (or restart it there).", file=sys.stderr)
    print(token)
    return 0

"""``hub agency serve <agency>``: one agency's system of record as its own HTTP service; ``hub agency
token <agency>``: a client-credentials access token for it, minted locally (for curl and tests)."""

from __future__ import annotations

import argparse
import sys

from connectors.registry import AGENCIES, named
from hub.core.settings import Settings, check_data_dir

#: each agency's default port, beside the hub's 8000: police 8101, probation 8102...
BASE_PORT = 8100


def default_port(agency: str) -> int:
    return BASE_PORT + 1 + [a.name for a in AGENCIES].index(agency)


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    names = [a.name for a in AGENCIES]
    serve = sub.add_parser("serve", help="run the agency's API over its own database")
    serve.add_argument("agency", choices=names)
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help=f"port (default {BASE_PORT + 1} for {names[0]}, and on)")
    serve.add_argument("--no-seed", action="store_true", help="never generate synthetic data")
    token = sub.add_parser("token", help="print an access token for the agency's API (its client credentials)")
    token.add_argument("agency", choices=names)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "token":
        from hub.agency_api.credentials import TokenIssuer

        print(TokenIssuer.from_settings(settings, args.agency).issue())
        return 0
    return serve(args, settings)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from hub.agency_api.app import create_agency_app
    from hub.cli.serve import embedded, first_run_seed

    check_data_dir(settings)
    if embedded(settings) and not args.no_seed:
        first_run_seed(settings)  # the same synthetic partnership the hub would generate
    app = create_agency_app(settings, named(args.agency))
    port = args.port or default_port(args.agency)
    print(f"hub agency: serving the {args.agency} API at http://{args.host}:{port} (OpenAPI: /openapi.json)",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=10)
    return 0

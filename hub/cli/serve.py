"""``hub serve``: check the configuration, seed the embedded default on first run, start uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from connectors.registry import AGENCIES
from hub.core.migrations import prepare
from hub.core.settings import Settings, check_data_dir


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to listen on (default HUB_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default HUB_PORT or 8000)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--no-seed", action="store_true", help="never generate synthetic data")


def embedded(settings: Settings) -> bool:
    urls = [*(settings.agency_url(a.name) for a in AGENCIES), settings.index_url]
    return all(u.startswith("sqlite") for u in urls)


def first_run_seed(settings: Settings) -> None:
    from hub.cli.seeding import seed_all, seed_state

    state = asyncio.run(seed_state(settings))
    if state == "complete":
        return
    print(f"hub: first run, generating {settings.seed_people} synthetic people in {settings.data_dir}",
          file=sys.stderr)
    # An interrupted earlier run left partial synthetic data: the embedded default owns it, so start over.
    asyncio.run(seed_all(settings, people=settings.seed_people, seed=settings.seed,
                         as_of=datetime.now(UTC).date(), replace=state == "incomplete"))


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    check_data_dir(settings)
    if embedded(settings) and not args.no_seed:
        first_run_seed(settings)
    # The person index before any worker starts (the audit trail migrates under its own lock as each opens).
    asyncio.run(prepare(settings.index_url, "index", migrate=settings.migrate_on_start))
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"hub: serving GraphQL (GraphiQL in a browser) at http://{host}:{port}/graphql", file=sys.stderr)
    uvicorn.run("hub.web.app:app_from_env", factory=True, host=host, port=port, workers=args.workers,
                log_level="info", timeout_graceful_shutdown=20)
    return 0

"""``hub db upgrade`` brings the hub's own stores to the current schema; ``hub db current`` shows where they are."""

from __future__ import annotations

import argparse
import asyncio

from hub.core.migrations import STORES, current, head, upgrade
from hub.core.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = sub.add_parser("upgrade", help="apply pending migrations to the hub's own stores")
    up.add_argument("--store", choices=STORES, action="append", help="only this store (repeatable)")
    sub.add_parser("current", help="print each store's revision and the latest one")


def store_urls(settings: Settings) -> dict[str, str]:
    return {"index": settings.index_url, "audit": settings.audit_url}


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    urls = store_urls(settings)
    for store in args.store or STORES if args.db_command == "upgrade" else STORES:
        if args.db_command == "upgrade":
            now = await upgrade(urls[store], store)
            print(f"{store}: at {now}")
        else:
            print(f"{store}: at {await current(urls[store], store)}, latest {head(store)}")
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(_run(args, settings))

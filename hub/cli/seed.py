"""``hub seed``: generate synthetic people into the configured stores, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime

from hub.cli.seeding import AlreadySeeded, seed_all
from hub.core.settings import Settings, check_data_dir


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--people", type=int, default=None, help="how many people (default HUB_SEED_PEOPLE)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default HUB_SEED)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="the 'today' the data is generated around, YYYY-MM-DD (default: today)")
    parser.add_argument("--replace", action="store_true", help="drop and regenerate existing synthetic data")


class ProgressBar:
    """A bar redrawn in place on a terminal; in a log (not a terminal), one line per tenth done."""

    def __init__(self, width: int = 40) -> None:
        self.width = width
        self.started = time.perf_counter()
        self.redraw = sys.stderr.isatty()
        self.logged_tenths = 0

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} people ({rate:,.0f}/s)"
        if self.redraw:
            sys.stderr.write(f"\r{line}\n" if done == total else f"\r{line}")
        elif 10 * done // total > self.logged_tenths or done == total:
            self.logged_tenths = 10 * done // total
            sys.stderr.write(f"{line}\n")
        sys.stderr.flush()


def run(args: argparse.Namespace, settings: Settings) -> int:
    people = args.people if args.people is not None else settings.seed_people
    if people < 1:
        print("hub seed: --people must be at least 1", file=sys.stderr)
        return 2
    check_data_dir(settings)
    as_of = args.as_of or datetime.now(UTC).date()
    try:
        report = asyncio.run(seed_all(settings, people=people, seed=args.seed if args.seed is not None else
                                      settings.seed, as_of=as_of, replace=args.replace, progress=ProgressBar()))
    except AlreadySeeded as exc:
        print(f"hub seed: {exc}", file=sys.stderr)
        return 1
    rows = sum(report.rows.values())
    print(f"hub seed: {report.people} people, {rows:,} rows in {report.seconds:.1f} s", file=sys.stderr)
    return 0

"""One benchmark contender served by uvicorn: ``python -m bench.server --mode MODE --port P``.

Modes: ``hub`` (full governance), ``hub-off`` (no policy, audit or tracing), ``bare`` (a bare
Strawberry schema on the same databases) and ``floor`` (a plain Starlette JSON endpoint).
Configuration comes from the usual ``HUB_*`` variables.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from starlette.applications import Starlette

from bench.bare import bare_app, floor_app
from hub.core.settings import Settings
from hub.web import collector
from hub.web.app import create_app

MODES = ("hub", "hub-noaudit", "hub-off", "bare", "floor")


class _NoStore:
    def start_timer(self, _seconds: float) -> None:
        """No trail, so no checkpoints to sign."""


class NoAudit:
    """Governance without the audit write (policy, auth and tracing stay): isolates what auditing costs."""

    async def append(self, _event: Any) -> int:
        return 0

    async def store(self) -> _NoStore:
        return _NoStore()

    async def health(self) -> None:
        return None

    async def close(self) -> None:
        return None


def app_for(mode: str, settings: Settings) -> Starlette:
    app = _build(mode, settings)
    collector.settle(settings.gc_threshold)  # as `hub serve` does, for every contender alike
    return app


def _build(mode: str, settings: Settings) -> Starlette:
    if mode == "hub":
        return create_app(settings)
    if mode == "hub-noaudit":
        return create_app(settings, audit=NoAudit())  # type: ignore[arg-type]
    if mode == "hub-off":
        return create_app(settings, governance=False)
    app, _stores = bare_app(settings) if mode == "bare" else floor_app(settings)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.workers > 1:
        # Each worker builds its own app from the environment (the mode travels in HUB_BENCH_MODE).
        import os

        os.environ["HUB_BENCH_MODE"] = args.mode
        uvicorn.run("bench.server:factory", factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                    log_level="warning", access_log=False)
        return
    uvicorn.run(app_for(args.mode, Settings.from_env()), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


def factory() -> Starlette:
    import os

    return app_for(os.environ["HUB_BENCH_MODE"], Settings.from_env())


if __name__ == "__main__":
    main()

"""The agency service's change feed: its own outbox, filled by its own capture triggers, published to the hub.

An agency reached over its API is its own system: the hub does not install triggers into a database it does
not open. The service installs them at start (idempotent, as the agency's system would keep its change
table), and again on a feed request until that has succeeded, so a database down at start is caught up.
Routes and bodies are connectors/http/feed.py's; they sit behind the service's token check like every
other ``/v1`` route.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.http.feed import (
    HEAD_PATH,
    POSITION_AT_PATH,
    READ_PATH,
    Empty,
    FeedPage,
    FeedPosition,
    PositionAt,
    ReadAfter,
    row_of,
)
from hub.core.agency import Agency, SourceUnavailable
from hub.events import outbox
from hub.events.triggers import install

log = logging.getLogger("hub.agency_api")

Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")
B = TypeVar("B", bound=BaseModel)


class Changes:
    """One agency's outbox in its own database, and the capture that fills it."""

    def __init__(self, agency: Agency, engine: AsyncEngine) -> None:
        assert agency.capture is not None
        self.agency = agency
        self.capture = agency.capture
        self.feed = outbox.SqlFeed(engine, agency.name)
        self._installed = False
        self._lock = asyncio.Lock()

    async def install(self) -> None:
        """The capture triggers and outbox (once per process; a failure is retried on the next request)."""
        if self._installed:
            return
        async with self._lock:
            if not self._installed:
                try:
                    await install(self.feed.engine, self.agency.name, self.capture)
                except (SQLAlchemyError, OSError) as exc:  # never the driver's message: it may quote SQL
                    raise SourceUnavailable(self.agency.name, type(exc).__name__) from None
                self._installed = True

    async def install_quietly(self) -> None:
        try:
            await self.install()
        except SourceUnavailable as exc:
            log.warning("%s API: installing change capture failed (%s)", self.agency.name, exc.failure)

    async def read(self, body: ReadAfter) -> FeedPage:
        await self.install()
        rows = await self._guarded(self.feed.read_after(body.after, body.limit))
        return FeedPage(rows=[row_of(r) for r in rows])

    async def head(self) -> FeedPosition:
        await self.install()
        return FeedPosition(position=await self._guarded(self.feed.head()))

    async def position_at(self, body: PositionAt) -> FeedPosition:
        await self.install()
        return FeedPosition(position=await self._guarded(self.feed.position_at(body.occurred_at)))

    async def _guarded(self, read: Awaitable[T]) -> T:
        try:
            return await read
        except (SQLAlchemyError, OSError) as exc:
            raise SourceUnavailable(self.agency.name, type(exc).__name__) from None


def routes(changes: Changes, guarded: Callable[[Handler], Handler], max_body: int) -> list[Route]:
    """``POST /v1/changes``, ``/v1/changes/head`` and ``/v1/changes/position-at``, each behind ``guarded``."""

    def handler(model: type[B], answer: Callable[[B], Awaitable[BaseModel]]) -> Handler:
        async def handle(request: Request) -> Response:
            raw = await request.body()
            if len(raw) > max_body:
                return JSONResponse({"error": "too_large"}, status_code=413)
            try:
                body = model.model_validate_json(raw or b"{}")
            except ValidationError:
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            return Response((await answer(body)).model_dump_json(), media_type="application/json")
        return handle

    async def head(_body: Empty) -> BaseModel:
        return await changes.head()

    return [Route(READ_PATH, guarded(handler(ReadAfter, changes.read)), methods=["POST"]),
            Route(HEAD_PATH, guarded(handler(Empty, head)), methods=["POST"]),
            Route(POSITION_AT_PATH, guarded(handler(PositionAt, changes.position_at)), methods=["POST"])]

"""An agency's change feed over its own API: its outbox, read by the hub as it reads the outbox of a database it
opens (``hub.events.outbox.ChangeFeed``).

The agency's service (``hub agency serve``) fills its outbox with its own capture triggers and publishes it at
three endpoints, behind the same client-credentials tokens as its records:

- ``POST /v1/changes`` ``{"after": n, "limit": k}``: up to ``k`` rows after position ``n``, in position order;
- ``POST /v1/changes/head`` ``{}``: the last position written (0: none);
- ``POST /v1/changes/position-at`` ``{"occurred_at": "…Z"}``: the last position written before that moment,
  where a replay ``since`` starts.

The hub reads them through the agency's HTTP connector, so a feed read shares its pooled client, token, time
budget, retries (these are reads) and circuit breaker with the agency's records. An answer of the wrong shape,
or rows out of order or not after the position asked for, is ``SourceUnavailable`` (``wrong_schema``): a feed
the hub cannot follow in order is one it must not skip through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from hub.core.agency import SourceUnavailable
from hub.events.outbox import OutboxRow

if TYPE_CHECKING:
    from connectors.http.connector import HttpConnector

READ_PATH = "/v1/changes"
HEAD_PATH = "/v1/changes/head"
POSITION_AT_PATH = "/v1/changes/position-at"
#: the most rows one read answers
MAX_ROWS = 500

_STRICT = ConfigDict(extra="forbid", frozen=True)


class ReadAfter(BaseModel):
    """The body of ``POST /v1/changes``."""

    model_config = _STRICT
    after: int = Field(ge=0, description="the last position already read (0: from the start)")
    limit: int = Field(default=MAX_ROWS, ge=1, le=MAX_ROWS, description="at most this many rows")


class PositionAt(BaseModel):
    """The body of ``POST /v1/changes/position-at``."""

    model_config = _STRICT
    occurred_at: str = Field(min_length=1, max_length=40, description="ISO 8601 UTC, e.g. 2026-12-02T06:00:00Z")


class Empty(BaseModel):
    """The body of ``POST /v1/changes/head``."""

    model_config = _STRICT


class FeedRow(BaseModel):
    """One outbox row: what changed, about whom (the agency's key), when (the agency's clock) and its values."""

    model_config = _STRICT
    position: int = Field(ge=1)
    event_type: str = Field(max_length=40)
    agency_key: str = Field(max_length=32)
    occurred_at: str = Field(max_length=40)
    data: dict[str, Any]


class FeedPage(BaseModel):
    """The answer of ``POST /v1/changes``: rows in position order."""

    model_config = _STRICT
    rows: list[FeedRow]


class FeedPosition(BaseModel):
    """The answer of ``/v1/changes/head`` and ``/v1/changes/position-at``."""

    model_config = _STRICT
    position: int = Field(ge=0)


PAGE = TypeAdapter(FeedPage)
POSITION = TypeAdapter(FeedPosition)


def row_of(row: OutboxRow) -> FeedRow:
    """An outbox row as the feed sends it."""
    return FeedRow(position=row.position, event_type=row.event_type, agency_key=row.agency_key,
                   occurred_at=row.occurred_at, data=row.data)


class HttpChangeFeed:
    """The hub's reader of one agency's change feed, through its HTTP connector."""

    def __init__(self, connector: HttpConnector) -> None:
        self.connector = connector
        self.agency = connector.agency

    async def read_after(self, position: int, limit: int = MAX_ROWS) -> list[OutboxRow]:
        body = ReadAfter(after=position, limit=min(limit, MAX_ROWS)).model_dump_json().encode()
        page: FeedPage = await self.connector.call(READ_PATH, body, PAGE)
        last = position
        for row in page.rows:
            if row.position <= last:  # out of order, or not after what was asked: nothing safe to follow
                raise SourceUnavailable(self.agency, "wrong_schema")
            last = row.position
        return [OutboxRow(self.agency, r.position, r.event_type, r.agency_key, r.occurred_at, r.data)
                for r in page.rows]

    async def head(self) -> int:
        found: FeedPosition = await self.connector.call(HEAD_PATH, b"{}", POSITION)
        return found.position

    async def position_at(self, occurred_at: str) -> int:
        body = PositionAt(occurred_at=occurred_at).model_dump_json().encode()
        found: FeedPosition = await self.connector.call(POSITION_AT_PATH, body, POSITION)
        return found.position

"""Reading an agency's outbox, and its consumers' durable cursors.

A consumer reads rows after its cursor in id order (one agency's ids are its order of commits, so each
person's events come in the order they happened), delivers them, then moves its cursor: a consumer that
stops between the two reads them again (at least once; event ids let the receiver drop a repeat).

Rows are read through a :class:`ChangeFeed`: the outbox in the agency's database (:class:`SqlFeed`), or the
change feed its own service publishes (connectors/http/feed.py). Cursors are kept wherever the source keeps
its consumer state (``Source.engine``): beside the outbox for a database the hub opens, in the hub's own
store for an agency reached over its API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import Connection, MetaData, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.capture import outbox_tables
from hub.events.ids import EventIds

_TABLES: dict[str, tuple[MetaData, Table, Table]] = {}


def tables(agency: str) -> tuple[MetaData, Table, Table]:
    found = _TABLES.get(agency)
    if found is None:
        metadata = MetaData()
        found = _TABLES[agency] = (metadata, *outbox_tables(metadata, agency))
    return found


@dataclass(frozen=True, slots=True)
class OutboxRow:
    agency: str
    position: int
    event_type: str
    agency_key: str
    occurred_at: str
    data: dict[str, Any]
    #: the public id (hub/events/ids.py), given when the event stream resolves the row
    public_id: str | None = None

    @property
    def event_id(self) -> str:
        """The opaque public id: stable across restarts and replicas, saying nothing of position or gaps."""
        if self.public_id is None:
            raise LookupError("an outbox row has no public id until the event stream names it")
        return self.public_id

    def named(self, ids: EventIds) -> OutboxRow:
        return replace(self, public_id=ids(self.agency, self.position))


class ChangeFeed(Protocol):
    """Where one agency's outbox rows are read, in position order."""

    async def read_after(self, position: int, limit: int = 500) -> list[OutboxRow]: ...

    async def head(self) -> int:
        """The last position written (0: none)."""
        ...

    async def position_at(self, occurred_at: str) -> int:
        """The last position written before ``occurred_at`` (ISO 8601 UTC text)."""
        ...


@dataclass(frozen=True)
class SqlFeed:
    """The outbox in the agency's own database."""

    engine: AsyncEngine
    agency: str

    async def read_after(self, position: int, limit: int = 500) -> list[OutboxRow]:
        return await read_after(self.engine, self.agency, position, limit)

    async def head(self) -> int:
        return await head(self.engine, self.agency)

    async def position_at(self, occurred_at: str) -> int:
        return await position_at(self.engine, self.agency, occurred_at)


def create_tables(conn: Connection, agency: str) -> None:
    """The outbox and cursor tables where the agency's database lacks them."""
    tables(agency)[0].create_all(conn, checkfirst=True)


def create_cursor_table(conn: Connection, agency: str) -> None:
    """The cursor table alone: in the hub's own store, for an agency whose outbox is read over its API."""
    tables(agency)[2].create(conn, checkfirst=True)


async def read_after(engine: AsyncEngine, agency: str, position: int, limit: int = 500) -> list[OutboxRow]:
    _, OUTBOX, _ = tables(agency)
    stmt = (select(OUTBOX).where(OUTBOX.c.event_id > position).order_by(OUTBOX.c.event_id).limit(limit))
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [OutboxRow(agency, r.event_id, r.event_type, r.agency_key, r.occurred_at, json.loads(r.data))
            for r in rows]


async def head(engine: AsyncEngine, agency: str) -> int:
    """The last position written (0: none)."""
    _, OUTBOX, _ = tables(agency)
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.coalesce(func.max(OUTBOX.c.event_id), 0)))).scalar_one())


async def position_at(engine: AsyncEngine, agency: str, occurred_at: str) -> int:
    """The last position written before ``occurred_at`` (ISO 8601 UTC text): where a replay ``since`` starts."""
    _, OUTBOX, _ = tables(agency)
    stmt = select(func.coalesce(func.max(OUTBOX.c.event_id), 0)).where(OUTBOX.c.occurred_at < occurred_at)
    async with engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


async def cursor(engine: AsyncEngine, agency: str, consumer: str) -> int | None:
    """The consumer's durable cursor; None for a consumer never seen."""
    _, _, CURSORS = tables(agency)
    async with engine.connect() as conn:
        found = (await conn.execute(select(CURSORS.c.position).where(CURSORS.c.consumer == consumer))).first()
    return None if found is None else int(found.position)


async def move_cursor(engine: AsyncEngine, agency: str, consumer: str, position: int) -> None:
    """Record that ``consumer`` has handled everything up to ``position`` (never moves it back)."""
    _, _, CURSORS = tables(agency)
    async with engine.begin() as conn:
        done = await conn.execute(update(CURSORS).where(CURSORS.c.consumer == consumer,
                                                        CURSORS.c.position < position).values(position=position))
        if done.rowcount == 0:
            exists = (await conn.execute(select(CURSORS.c.position).where(CURSORS.c.consumer == consumer))).first()
            if exists is None:
                await conn.execute(insert(CURSORS).values(consumer=consumer, position=position))


async def forget(engine: AsyncEngine, agency: str, consumer: str) -> None:
    """Drop a transient consumer's cursor (``hub events tail`` keeps none once it stops)."""
    _, _, CURSORS = tables(agency)
    async with engine.begin() as conn:
        await conn.execute(CURSORS.delete().where(CURSORS.c.consumer == consumer))

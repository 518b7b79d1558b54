"""Reading an agency's outbox, and its consumers' durable cursors (kept beside it, in the agency's database).

A consumer reads rows after its cursor in id order (one agency's ids are its order of commits, so each
person's events come in the order they happened), delivers them, then moves its cursor: a consumer that
stops between the two reads them again (at least once; event ids let the receiver drop a repeat).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, MetaData, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.capture import outbox_tables

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

    @property
    def event_id(self) -> str:
        """Stable across restarts and replicas: the agency and its outbox position."""
        return f"{self.agency}-{self.position}"


def create_tables(conn: Connection, agency: str) -> None:
    """The outbox and cursor tables where the agency's database lacks them."""
    tables(agency)[0].create_all(conn, checkfirst=True)


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

"""Shared plumbing for connectors that read an agency's relational database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, Table, select, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.sql import one_of

T = TypeVar("T")

# Stays well under SQLite's and PostgreSQL's bound-parameter limits.
IN_CHUNK = 5000


class SqlSource:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def rows(self, stmt: Select[Any]) -> Sequence[Row[Any]]:
        async with self.engine.connect() as conn:
            result = await conn.execute(stmt)
            rows: Sequence[Row[Any]] = result.all()
            return rows

    async def counts(self, stmt: Select[Any]) -> dict[str, int]:
        """A ``SELECT value, count(*) ... GROUP BY value`` as value -> count."""
        async with self.engine.connect() as conn:
            pairs: list[Any] = list((await conn.execute(stmt)).all())
        return {str(value): int(count) for value, count in pairs}

    async def values(self, stmt: Select[Any]) -> dict[str, Any]:
        """A ``SELECT key, value`` as key -> value, leaving out null values."""
        async with self.engine.connect() as conn:
            pairs: list[Any] = list((await conn.execute(stmt)).all())
        return {key: value for key, value in pairs if value is not None}

    async def keys(self, stmt: Select[Any], among: Collection[str] | None = None) -> set[str]:
        """The first column of ``stmt``'s rows; with ``among``, only rows whose first column is one of them."""
        if among is not None:
            if not among:
                return set()
            column = stmt.selected_columns[0]
            stmt = stmt.where(one_of(column, list(among), self.engine.dialect.name))
        return {row[0] for row in await self.rows(stmt)}

    async def one_per_key(
        self, table: Table, key_column: str, keys: Iterable[str], build: Callable[[Row[Any]], T],
        stmt: Select[Any] | None = None,
    ) -> dict[str, T]:
        found: dict[str, T] = {}
        for rows in await self._chunked(table, key_column, keys, stmt):
            for row in rows:
                found[getattr(row, key_column)] = build(row)
        return found

    async def many_per_key(
        self, table: Table, key_column: str, keys: Iterable[str], build: Callable[[Row[Any]], T],
        order_by: Any = None,
    ) -> dict[str, list[T]]:
        stmt = select(table)
        if order_by is not None:
            stmt = stmt.order_by(order_by)
        found: dict[str, list[T]] = defaultdict(list)
        for rows in await self._chunked(table, key_column, keys, stmt):
            for row in rows:
                found[getattr(row, key_column)].append(build(row))
        return dict(found)

    async def _chunked(
        self, table: Table, key_column: str, keys: Iterable[str], stmt: Select[Any] | None
    ) -> list[Sequence[Row[Any]]]:
        unique = sorted(set(keys))
        if not unique:
            return []
        base = stmt if stmt is not None else select(table)
        column = table.c[key_column]
        out = []
        async with self.engine.connect() as conn:
            for i in range(0, len(unique), IN_CHUNK):
                result = await conn.execute(base.where(column.in_(unique[i : i + IN_CHUNK])))
                out.append(result.all())
        return out

    async def health(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()

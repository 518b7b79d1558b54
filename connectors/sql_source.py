"""Shared plumbing for connectors that read an agency's relational database."""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, TypeAlias, TypeVar

from cachetools import LRUCache
from sqlalchemy import Executable, Select, Table, bindparam, select, text
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.agency import SourceUnavailable
from hub.core.db import IN_CHUNK, one_of

T = TypeVar("T")
#: A row of any width.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]



#: SQLSTATE classes and codes of a database that cannot serve: connection exception, insufficient
#: resources, operator intervention (shutdown), and a database that does not exist.
UNAVAILABLE_SQLSTATES = ("08", "53", "57", "3D000")


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is down, unreachable, overloaded or missing: not that a query
    is wrong. A wrong column or a type mismatch stays an internal error, not the agency's fault."""
    if isinstance(exc, OSError | TimeoutError | PoolTimeout | OperationalError | InterfaceError):
        return True  # SQLite reports a missing database file or table as OperationalError too
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return isinstance(state, str) and state.startswith(UNAVAILABLE_SQLSTATES)


@dataclass(frozen=True)
class ItemsRead:
    """How one list field of a record is read: its table (keyed like the record), items built from its rows,
    in this order."""

    table: Table
    build: Callable[[Any], Any]
    order_by: Any = None

    @property
    def ordering(self) -> tuple[Any, ...]:
        """``order_by``, ties broken by the table's key: the same order whichever statement reads the list and
        whatever plan the database picks for it."""
        return (*(() if self.order_by is None else (self.order_by,)), *self.table.primary_key.columns)

    @cached_property
    def statement(self) -> Select[Any]:
        return select(self.table).order_by(*self.ordering)


#: Statements built from statements callers hold (module constants, ``@cache``d builders), by the ids of
#: what they were built from. Each entry holds those objects, so an id cannot be reused while it is cached;
#: bounded, so a caller building a fresh statement per call costs a miss, never memory.
_BUILT: LRUCache[tuple[int, ...], tuple[Any, tuple[object, ...]]] = LRUCache(maxsize=256)


def _built(sources: tuple[object, ...], build: Callable[[], T]) -> T:
    key = tuple(map(id, sources))
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = (build(), sources)
    built: T = found[0]
    return built


def _keyed(table: Table, key_column: str, stmt: Select[Any] | None) -> Select[Any]:
    """``stmt`` (every row of ``table`` without one) for the keys bound as one expanding parameter ``keys``.

    One parameter, not an IN list of literals, and built once: building the statement and its cache key
    was a tenth of the served profile's time (py-spy, 8 connections)."""
    column = table.c[key_column]
    return _built((stmt if stmt is not None else table, column), lambda: (
        stmt if stmt is not None else select(table)).where(column.in_(bindparam("keys", expanding=True))))


@dataclass(frozen=True)
class _Joined:
    """A record statement with one list's table joined: the statement, built once, and how to split its rows."""

    statement: Select[Any]
    #: columns of the record's part; the list's columns follow
    width: int
    #: the list's part of a row, with the list table's own column names
    item: Callable[[Iterable[Any]], Any]


class SqlSource:
    def __init__(self, engine: AsyncEngine, agency: str) -> None:
        self.engine = engine
        self.agency = agency

    async def rows(self, stmt: Executable, params: Mapping[str, Any] | None = None) -> Sequence[AnyRow]:
        """Every row of ``stmt``; :class:`SourceUnavailable` if the agency's database does not answer."""
        try:
            async with self.engine.connect() as conn:
                return (await conn.execute(stmt, params)).all()
        except Exception as exc:
            if not unavailable(exc):
                raise
            # Not chained: a driver's message can quote the statement or a value (PostgreSQL's DETAIL).
            raise SourceUnavailable(self.agency, type(exc).__name__) from None

    async def counts(self, stmt: Select[Any]) -> dict[str, int]:
        """A ``SELECT value, count(*) ... GROUP BY value`` as value -> count."""
        return {str(row[0]): int(row[1]) for row in await self.rows(stmt)}

    async def values(self, stmt: Select[Any]) -> dict[str, Any]:
        """A ``SELECT key, value`` as key -> value, leaving out null values."""
        return {row[0]: row[1] for row in await self.rows(stmt) if row[1] is not None}

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
        for rows in await self.chunked(table, key_column, keys, stmt):
            for row in rows:
                found[getattr(row, key_column)] = build(row)
        return found

    async def items(self, key_column: str, keys: Iterable[str], read: ItemsRead) -> dict[str, list[Any]]:
        """Each key's list, read as ``read`` declares it (keys holding none are left out)."""
        found: dict[str, list[Any]] = defaultdict(list)
        for rows in await self.chunked(read.table, key_column, keys, read.statement):
            for row in rows:
                found[getattr(row, key_column)].append(read.build(row))
        return dict(found)

    async def with_items(
        self, table: Table, key_column: str, keys: Iterable[str], build: Callable[[Row[Any]], T],
        stmt: Select[Any] | None, items: ItemsRead,
    ) -> tuple[dict[str, T], dict[str, list[Any]]]:
        """``one_per_key`` and :meth:`items` in one statement: the list's table outer-joined to the record's, as
        an expert's hand-written server reads a page's worth of people.

        Each record's columns repeat on every one of its items' rows; the repetition costs less than a
        second round trip to the agency's database (bench: the profile and cohort statements)."""
        joined = self._joined(table, key_column, stmt, items)
        records: dict[str, T] = {}
        lists: dict[str, list[Any]] = {}
        width, item, build_item = joined.width, joined.item, items.build
        item_key = width + items.table.c.keys().index(key_column)
        for rows in await self.chunked(table, key_column, keys, joined.statement):
            for row in rows:
                key = getattr(row, key_column)
                if key not in records:
                    records[key] = build(row)
                    lists[key] = []
                if row[item_key] is not None:
                    lists[key].append(build_item(item(row[width:])))
        return records, lists

    @staticmethod
    def _joined(table: Table, key_column: str, stmt: Select[Any] | None, items: ItemsRead) -> _Joined:
        def build() -> _Joined:
            base = stmt if stmt is not None else select(table)
            joined = (base.add_columns(*(c.label(f"item_{c.name}") for c in items.table.c))
                      .outerjoin(items.table, items.table.c[key_column] == table.c[key_column])
                      .order_by(*items.ordering))
            shape = namedtuple(f"{items.table.name}_row", list(items.table.c.keys()))  # type: ignore[misc]
            return _Joined(joined, len(base.selected_columns), shape._make)

        return _built((stmt if stmt is not None else table, items), build)

    async def chunked(
        self, table: Table, key_column: str, keys: Iterable[str], stmt: Select[Any] | None
    ) -> list[Sequence[Row[Any]]]:
        unique = sorted(set(keys))
        if not unique:
            return []
        keyed = _keyed(table, key_column, stmt)
        return [await self.rows(keyed, {"keys": unique[i : i + IN_CHUNK]})
                for i in range(0, len(unique), IN_CHUNK)]

    async def health(self) -> None:
        await self.rows(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


class SqlConnector:
    """What every connector over an agency's own database shares: its source, health and close.

    Listed first among a SQL connector's bases, so its ``health`` and ``close`` implement the interface's.
    """

    agency: ClassVar[str]

    def __init__(self, engine: AsyncEngine) -> None:
        self.db = SqlSource(engine, self.agency)

    async def health(self) -> None:
        await self.db.health()

    async def close(self) -> None:
        await self.db.close()

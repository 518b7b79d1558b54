"""Engine construction shared by the SQL connectors and the hub's own stores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, any_, bindparam, event, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql.elements import BindParameter, ColumnElement

#: Keys per IN list: stays well under SQLite's and PostgreSQL's bound-parameter limits.
IN_CHUNK = 5000


class InvalidDatabaseURL(ValueError):
    pass


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL and foreign keys so it behaves like a server."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidDatabaseURL(f"not a database URL: {exc}") from exc
    # Bound parameters are agency identifiers: never let SQLAlchemy print them in logs or errors.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_async_engine(parsed, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    try:
        return create_async_engine(parsed, pool_pre_ping=True, **kwargs)
    except Exception as exc:  # unknown dialect or missing driver
        raise InvalidDatabaseURL(f"cannot use database URL for {parsed.drivername}: {exc}") from exc


def one_of(column: ColumnElement[Any], values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """``column IN (values)`` as a single bound parameter, however many values there are.

    A filtered search can resolve thousands of identifiers at once; as an IN list each value is
    its own parameter for SQLAlchemy to render and the database to parse (about 30 ms for
    8,843 on SQLite). PostgreSQL takes an array, SQLite a JSON array it unpacks with json_each.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    if dialect == "sqlite":
        as_json: BindParameter[str] = bindparam(None, json.dumps(list(values)))
        return column.in_(select(literal_column("value")).select_from(func.json_each(as_json)).scalar_subquery())
    return column.in_(list(values))

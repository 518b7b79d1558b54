"""Counting the SQL statements a query sends, across every engine the hub holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def count_statements(engines: dict[str, AsyncEngine]) -> Iterator[dict[str, int]]:
    counts = dict.fromkeys(engines, 0)
    listeners = []
    for name, engine in engines.items():
        def before(*_args: Any, _name: str = name) -> None:
            counts[_name] += 1

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        listeners.append((engine, before))
    try:
        yield counts
    finally:
        for engine, fn in listeners:
            event.remove(engine.sync_engine, "before_cursor_execute", fn)

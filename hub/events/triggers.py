"""Installing an agency's capture triggers, written once per dialect from its declarations.

SQLite: an ``AFTER`` trigger inserting into the outbox. PostgreSQL: a trigger function that first takes a
transaction-scoped advisory lock (so outbox ids commit in the order they were given, and a reader that has
seen id n never later meets a smaller one), inserts, and ``pg_notify``s the channel consumers listen on.
Both are installed idempotently, so every hub start (and ``hub simulate``) may install them.

A trigger whose declaration changed is replaced. PostgreSQL does that atomically (``CREATE OR REPLACE``).
SQLite cannot, so there a trigger's name carries a digest of its definition: the new one is created beside
the old, and the old dropped after, so a write committed meanwhile is captured at least once, never missed.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.core.capture import Capture, Trigger, outbox_name

#: The channel PostgreSQL agencies notify on, with the agency's name as the payload.
CHANNEL = "hub_outbox"
#: Any constant shared by every trigger of the outbox: writers to it queue on it until they commit.
OUTBOX_LOCK = 0x6875625F6F757462  # "hub_outb"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _changed(trigger: Trigger, dialect: str) -> list[str]:
    different = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return [f"OLD.{c} {different} NEW.{c}" for c in trigger.changed]


def _condition(trigger: Trigger, dialect: str) -> str | None:
    parts = []
    changed = _changed(trigger, dialect)
    if changed:
        parts.append("(" + " OR ".join(changed) + ")")
    if trigger.when:
        parts.append(f"({trigger.when})")
    return " AND ".join(parts) or None


def _insert(trigger: Trigger, agency: str, dialect: str) -> str:
    if dialect == "sqlite":
        data = "json_object(" + ", ".join(f"{_quote(k)}, {v}" for k, v in trigger.data) + ")"
        now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    else:
        data = "json_build_object(" + ", ".join(f"{_quote(k)}, {v}" for k, v in trigger.data) + ")::text"
        now = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    return (f"INSERT INTO {outbox_name(agency)} (event_type, agency_key, occurred_at, data) "
            f"VALUES ({_quote(trigger.event_type)}, {trigger.key}, {now}, {data})")


def sqlite_trigger(trigger: Trigger, agency: str) -> tuple[str, str]:
    """The trigger's name, with a digest of its definition (a changed declaration is a new trigger), and the
    statement creating it."""
    of = f" OF {', '.join(trigger.changed)}" if trigger.operation == "UPDATE" and trigger.changed else ""
    condition = _condition(trigger, "sqlite")
    when = f" WHEN {condition}" if condition else ""
    body = (f"AFTER {trigger.operation}{of} ON {trigger.table} FOR EACH ROW{when} "
            f"BEGIN {_insert(trigger, agency, 'sqlite')}; END")
    name = f"{trigger.name}_{hashlib.sha256(body.encode()).hexdigest()[:8]}"
    return name, f"CREATE TRIGGER IF NOT EXISTS {name} {body}"


async def _drop_replaced(conn: AsyncConnection, capture: Capture, current: set[str]) -> None:
    """Drop the SQLite triggers of this capture that an installed version replaced (older digests, or the
    unversioned names of earlier hubs)."""
    bases = {t.name for t in capture.triggers}
    found = (await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))).scalars().all()
    for name in found:
        base = re.sub(r"_[0-9a-f]{8}$", "", name)
        if name not in current and (name in bases or base in bases):
            await conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def postgres_statements(trigger: Trigger, agency: str) -> list[str]:
    condition = _condition(trigger, "postgresql") or "TRUE"
    body = (f"BEGIN IF {condition} THEN PERFORM pg_advisory_xact_lock({OUTBOX_LOCK}); "
            f"{_insert(trigger, agency, 'postgresql')}; PERFORM pg_notify({_quote(CHANNEL)}, {_quote(agency)}); "
            "END IF; RETURN NULL; END;")
    of = f" OF {', '.join(trigger.changed)}" if trigger.operation == "UPDATE" and trigger.changed else ""
    return [f"CREATE OR REPLACE FUNCTION {trigger.name}() RETURNS trigger LANGUAGE plpgsql AS $hub$ {body} $hub$",
            f"CREATE OR REPLACE TRIGGER {trigger.name} AFTER {trigger.operation}{of} ON {trigger.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {trigger.name}()"]


async def install(engine: AsyncEngine, agency: str, capture: Capture) -> None:
    """Create the outbox (if missing) and the agency's triggers (replacing older versions of them)."""
    from hub.events.outbox import create_tables

    dialect = engine.dialect.name
    async with engine.begin() as conn:
        if dialect == "postgresql":  # replicas starting together install one at a time
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({OUTBOX_LOCK})"))
        await conn.run_sync(create_tables, agency)
        if dialect != "sqlite":
            for trigger in capture.triggers:
                for statement in postgres_statements(trigger, agency):
                    await conn.execute(text(statement))
            return
        created = dict(sqlite_trigger(trigger, agency) for trigger in capture.triggers)
        for statement in created.values():
            await conn.execute(text(statement))
        await _drop_replaced(conn, capture, set(created))

"""Installing an agency's capture triggers, written once per dialect from its declarations.

SQLite: an ``AFTER`` trigger inserting into the outbox. PostgreSQL: a trigger function that first takes a
transaction-scoped advisory lock (so outbox ids commit in the order they were given, and a reader that has
seen id n never later meets a smaller one), inserts, and ``pg_notify``s the channel consumers listen on.
Both are installed idempotently, so every hub start (and ``hub simulate``) may install them.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

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


def sqlite_statements(trigger: Trigger, agency: str) -> list[str]:
    of = f" OF {', '.join(trigger.changed)}" if trigger.operation == "UPDATE" and trigger.changed else ""
    condition = _condition(trigger, "sqlite")
    when = f" WHEN {condition}" if condition else ""
    return [f"CREATE TRIGGER IF NOT EXISTS {trigger.name} AFTER {trigger.operation}{of} ON {trigger.table} "
            f"FOR EACH ROW{when} BEGIN {_insert(trigger, agency, 'sqlite')}; END"]


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
        for trigger in capture.triggers:
            statements = (sqlite_statements(trigger, agency) if dialect == "sqlite"
                          else postgres_statements(trigger, agency))
            for statement in statements:
                await conn.execute(text(statement))

"""What the webhook senders keep durably beside each source's outbox: retry series in progress, and the
dead-letter list.

A series is one event on its way to one endpoint: the attempts made, when the next is due, and the audit
record that stands for it (its seq, and a keyed fingerprint of what it disclosed). A hub that stops
mid-series resumes it where it stopped instead of starting again at attempt 1, and writes no second record
for a disclosure already recorded. Once the series is delivered its row goes; once it is dead-lettered the
row stays, marked ``dead``, until the follow-up record saying the delivery never happened is written (a
trail that cannot be written meanwhile loses neither the dead letter nor the follow-up owed).

Rows hold positions, counts, times, error kinds and a keyed hash: never a value, and no hub person id (the
store may be the agency's own database).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.record import AuditEvent, SubjectFields, encode, event_data
from hub.events.delivery import Subscriber, request_id
from hub.events.stream import ChangeEvent

#: the follow-up record's error code: the delivery its cited record describes never reached the receiver
UNDELIVERED = "WEBHOOK_UNDELIVERED"

_metadata = MetaData()
DEAD = Table(
    "hub_webhook_dead", _metadata,
    Column("endpoint", String(120), primary_key=True),
    Column("agency", String(40), primary_key=True),
    Column("event_position", Integer, primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(200), nullable=False),
    Column("dead_at", String(40), nullable=False),
    # the event kind, for the list; no values
    Column("event_type", String(40), nullable=False),
)
RETRY = Table(
    "hub_webhook_retry", _metadata,
    Column("endpoint", String(120), primary_key=True),
    Column("agency", String(40), primary_key=True),
    Column("event_position", Integer, primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("due_at", String(40), nullable=False),
    # the delivery record standing for the series; NULL: none stands (a new one is written before sending)
    Column("audit_seq", Integer, nullable=True),
    Column("disclosure", String(64), nullable=False),
    Column("last_error", String(200), nullable=False),
    # dead-lettered, its follow-up record not yet written
    Column("dead", Boolean, nullable=False),
)


def create_tables(conn: Connection) -> None:
    _metadata.create_all(conn, checkfirst=True)


@dataclass(frozen=True)
class Series:
    attempts: int
    due: datetime
    audit_seq: int | None
    disclosure: str
    last_error: str = ""
    dead: bool = False


@dataclass(frozen=True)
class Key:
    endpoint: str
    agency: str
    position: int

    def where(self, table: Table) -> Any:
        c = table.c
        return (c.endpoint == self.endpoint) & (c.agency == self.agency) & (c.event_position == self.position)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _series(row: Any) -> Series:
    return Series(int(row.attempts), datetime.fromisoformat(row.due_at), row.audit_seq, row.disclosure,
                  row.last_error, bool(row.dead))


async def load(engine: AsyncEngine, key: Key) -> Series | None:
    async with engine.connect() as conn:
        row = (await conn.execute(select(RETRY).where(key.where(RETRY)))).first()
    return None if row is None else _series(row)


async def save(engine: AsyncEngine, key: Key, series: Series) -> None:
    values = dict(attempts=series.attempts, due_at=_text(series.due), audit_seq=series.audit_seq,
                  disclosure=series.disclosure, last_error=series.last_error[:200], dead=series.dead)
    async with engine.begin() as conn:
        if (await conn.execute(update(RETRY).where(key.where(RETRY)).values(**values))).rowcount == 0:
            await conn.execute(insert(RETRY).values(endpoint=key.endpoint, agency=key.agency,
                                                    event_position=key.position, **values))


async def clear(engine: AsyncEngine, key: Key) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(RETRY).where(key.where(RETRY)))


async def dead_letter(engine: AsyncEngine, key: Key, attempts: int, error: str, event_type: str) -> None:
    """On the dead-letter list, and the series marked as owing its follow-up record, in one transaction."""
    async with engine.begin() as conn:
        await conn.execute(delete(DEAD).where(key.where(DEAD)))
        await conn.execute(insert(DEAD).values(
            endpoint=key.endpoint, agency=key.agency, event_position=key.position, attempts=attempts,
            last_error=error[:200], dead_at=datetime.now(UTC).isoformat(), event_type=event_type))
        await conn.execute(update(RETRY).where(key.where(RETRY)).values(attempts=attempts, last_error=error[:200],
                                                                        dead=True))


async def owed(engine: AsyncEngine, endpoint: str, agency: str) -> list[tuple[Key, Series]]:
    """The endpoint's dead-lettered series whose follow-up record is still to be written."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(RETRY).where(RETRY.c.endpoint == endpoint, RETRY.c.agency == agency,
                                                       RETRY.c.dead.is_(True)))).all()
    return [(Key(endpoint, agency, int(r.event_position)), _series(r)) for r in rows]


async def is_dead_letter(engine: AsyncEngine, key: Key) -> bool:
    async with engine.connect() as conn:
        return (await conn.execute(select(DEAD.c.attempts).where(key.where(DEAD)))).first() is not None


async def dead_letters(engine: AsyncEngine, agency: str) -> list[dict[str, Any]]:
    """The dead-letter list of one agency's outbox: endpoint, event position and kind, attempts, last error."""
    async with engine.begin() as conn:
        await conn.run_sync(create_tables)
        rows = (await conn.execute(select(DEAD).where(DEAD.c.agency == agency).order_by(DEAD.c.dead_at))
                ).mappings().all()
    return [dict(r) for r in rows]


#: what an audit record says was disclosed, and to whom and why; not when, how fast, or under which version
_DISCLOSURE = ("actor_id", "actor_kind", "agency", "roles", "purpose", "legal_bases", "clauses", "operation_name",
               "operation_type", "query_hash", "variables_hash", "subjects", "disclosed", "withheld", "masked",
               "outcome", "access", "aggregates")


def fingerprint(record: AuditEvent, key: str) -> str:
    """A digest of what ``record`` discloses, keyed (with the endpoint's signing secret) so that the store it
    is kept in, which may be the agency's, cannot test guesses of who or what it was."""
    data = event_data(record)
    text = encode({k: data[k] for k in _DISCLOSURE})
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def undelivered_record(event: ChangeEvent, subscriber: Subscriber, seq: int, why: str) -> AuditEvent:
    """The follow-up to the delivery record ``seq``: the same subscriber, subject, request and trace, nothing
    disclosed, outcome ``error`` with :data:`UNDELIVERED`; its justification cites ``#seq``, which every
    review of the trail (search, subject access, the CLI's text) shows beside the record."""
    person = event.person_id
    op = subscriber.operation
    return AuditEvent(
        occurred_at=datetime.now(UTC), trace_id=event.trace_id,
        request_id=request_id(event, subscriber), actor_id=subscriber.subject,
        actor_kind=subscriber.kind, agency=subscriber.agency, roles=subscriber.roles,
        source_address=subscriber.source_address, user_agent=subscriber.user_agent, purpose=subscriber.purpose,
        justification=f"undelivered: what #{seq} records as disclosed never reached the receiver ({why})",
        legal_bases=(), clauses=(), operation_name=event.kind.name, operation_type=op.type,
        query_hash=op.query_hash, variables_hash=op.variables_hash, subjects=(person,) if person else (),
        disclosed={}, withheld={}, masked={}, outcome="error", error_codes=(UNDELIVERED,), latency_ms=0.0,
        policy_version=subscriber.policy_version,
        # the person's entry, empty: a subject access report lists the follow-up as about them, disclosing nothing
        access=(SubjectFields((person,)),) if person else ())


async def remove_dead_letter(engine: AsyncEngine, key: Key) -> None:
    async with engine.begin() as conn:
        await conn.execute(delete(DEAD).where(key.where(DEAD)))

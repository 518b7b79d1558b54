"""Reading the trail for information governance: search, subject access, export.

Search is newest first and keyset-paginated on the sequence number, so a page is one indexed query
however long the trail grows. Times in filters are compared in UTC (a naive time is taken as UTC).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.record import StoredRecord, SubjectFields, event_from, utc_text
from audit.sanitise import csv_safe
from audit.store import AuditStore
from audit.tables import as_utc, audit_checkpoint, audit_record, audit_subject

Source = AuditStore | AsyncEngine


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    agency: str | None = None
    role: str | None = None
    subject: str | None = None
    purpose: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(stmt: Select[Any], f: AuditFilter) -> Select[Any]:
    r = audit_record.c
    if f.actor:
        stmt = stmt.where(r.actor_id == f.actor)
    if f.agency:
        stmt = stmt.where(r.agency == f.agency)
    if f.role:
        stmt = stmt.where(r.roles.contains(f",{f.role},", autoescape=True))
    if f.purpose:
        stmt = stmt.where(r.purpose == f.purpose)
    if f.outcome:
        stmt = stmt.where(r.outcome == f.outcome)
    if f.since:
        stmt = stmt.where(r.occurred_at >= as_utc(f.since))
    if f.until:
        stmt = stmt.where(r.occurred_at < as_utc(f.until))
    if f.subject:
        stmt = stmt.where(r.seq.in_(select(audit_subject.c.seq).where(audit_subject.c.person_id == f.subject)))
    return stmt


def _engine(source: Source) -> AsyncEngine:
    return source.engine if isinstance(source, AuditStore) else source


def _stored(rows: Iterable[Any]) -> list[StoredRecord]:
    return [StoredRecord(int(r.seq), event_from(r.body), r.prev_hash, r.hash) for r in rows]


def _columns() -> Select[Any]:
    return select(audit_record.c.seq, audit_record.c.prev_hash, audit_record.c.hash, audit_record.c.body)


async def search(source: Source, f: AuditFilter, first: int = 50, after_seq: int | None = None, *,
                 before_seq: int | None = None) -> tuple[list[StoredRecord], bool]:
    """Up to ``first`` records matching ``f``, newest first, and whether more exist.

    ``after_seq`` is the cursor: the seq of the last record of the previous page; the page holds the
    records that come after it in this newest-first order, i.e. those with a smaller seq.
    ``before_seq`` is the same cursor under the name older callers use.
    """
    if first < 1:
        raise ValueError("first must be at least 1")
    cursor = after_seq if after_seq is not None else before_seq
    stmt = _where(_columns(), f)
    if cursor is not None:
        stmt = stmt.where(audit_record.c.seq < cursor)
    async with _engine(source).connect() as conn:
        rows = (await conn.execute(stmt.order_by(audit_record.c.seq.desc()).limit(first + 1))).all()
    return _stored(rows[:first]), len(rows) > first


async def records_between(source: Source, since: datetime | None, until: datetime | None,
                          page: int = 5000) -> list[StoredRecord]:
    """Every record from ``since`` (inclusive) to ``until`` (exclusive), oldest first, for export."""
    out: list[StoredRecord] = []
    after = 0
    f = AuditFilter(since=since, until=until)
    async with _engine(source).connect() as conn:
        while True:
            stmt = _where(_columns(), f).where(audit_record.c.seq > after)
            rows = (await conn.execute(stmt.order_by(audit_record.c.seq).limit(page))).all()
            if not rows:
                return out
            out += _stored(rows)
            after = int(rows[-1].seq)


async def subject_access_report(source: Source, person_id: str) -> list[StoredRecord]:
    """Every record whose subjects include this person, oldest first (whole records: see ``subject_entries``)."""
    stmt = _where(_columns(), AuditFilter(subject=person_id))
    async with _engine(source).connect() as conn:
        return _stored((await conn.execute(stmt.order_by(audit_record.c.seq))).all())


@dataclass(frozen=True)
class SubjectEntry:
    """One request as it concerns one person: who, when, why, and what of theirs was disclosed, masked,
    withheld or consulted. Nothing about anyone else: no other person's id, no other person's fields."""

    person_id: str
    seq: int
    occurred_at: datetime
    actor_id: str
    actor_kind: str
    agency: str
    roles: tuple[str, ...]
    purpose: str
    justification: str
    legal_bases: tuple[str, ...]
    clauses: tuple[str, ...]
    operation_name: str | None
    outcome: str
    trace_id: str
    disclosed: tuple[str, ...]
    masked: dict[str, str]
    withheld: dict[str, str]
    consulted: tuple[str, ...]
    #: False for records written before the trail kept fields per person: the fields are the request's
    per_person: bool = True

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["occurred_at"] = utc_text(self.occurred_at)
        for key in ("roles", "legal_bases", "clauses", "disclosed", "consulted"):
            data[key] = list(data[key])
        return data


def subject_entry(record: StoredRecord, person_id: str) -> SubjectEntry:
    e = record.event
    per_person = bool(e.access)
    if per_person:
        mine = e.about(person_id) or SubjectFields((person_id,))
    else:  # an older record: only the request's fields are known
        mine = SubjectFields((person_id,), tuple(f for names in e.disclosed.values() for f in names),
                             dict(e.masked), dict(e.withheld))
    return SubjectEntry(person_id, record.seq, e.occurred_at, e.actor_id, e.actor_kind, e.agency, e.roles, e.purpose,
                        e.justification, e.legal_bases, e.clauses, e.operation_name, e.outcome, e.trace_id,
                        mine.disclosed, dict(mine.masked), dict(mine.withheld), mine.consulted, per_person)


async def subject_entries(source: Source, person_id: str) -> list[SubjectEntry]:
    """What was disclosed or consulted about this person in each request, oldest first (subject access)."""
    return [subject_entry(r, person_id) for r in await subject_access_report(source, person_id)]


SUBJECT_COLUMNS = ("person_id", "seq", "occurred_at", "actor_id", "actor_kind", "agency", "roles", "purpose",
                   "justification", "legal_bases", "clauses", "operation_name", "outcome", "disclosed", "masked",
                   "withheld", "consulted", "per_person", "trace_id")


def export_subject(entries: Sequence[SubjectEntry], fmt: str, out: TextIO) -> int:
    """A subject access report as JSON lines or CSV; returns the count."""
    return _write([e.as_dict() for e in entries], SUBJECT_COLUMNS, fmt, out)


CSV_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_kind", "agency", "roles", "purpose", "justification",
               "legal_bases", "clauses", "operation_name", "operation_type", "query_hash", "variables_hash",
               "subjects", "disclosed", "withheld", "masked", "access", "aggregates", "outcome", "error_codes",
               "latency_ms", "policy_version", "trace_id", "request_id", "source_address", "user_agent", "prev_hash",
               "hash")


def export(records: Sequence[StoredRecord], fmt: str, out: TextIO) -> int:
    """Write ``records`` as JSON lines or CSV (lists joined with ``;``, mappings as JSON); returns the count."""
    return _write([r.as_dict() for r in records], CSV_COLUMNS, fmt, out)


def _write(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, out: TextIO) -> int:
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
        return len(rows)
    if fmt != "csv":
        raise ValueError("format must be jsonl or csv")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(_cell(row.get(col))) for col in columns])  # no cell opens a formula
    return len(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and not any(isinstance(v, dict | list) for v in value):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict | list):  # mappings, and lists of them (per-person access): JSON
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class Checkpoint:
    """The last signed checkpoint: what a witness's copy or a proof is compared against (no person's data)."""

    size: int
    signed_at: datetime
    key_id: str
    root: str  # hex; empty for a checkpoint signed before the trail was a Merkle tree
    note: str  # the C2SP signed note; empty likewise


async def last_checkpoint(engine: AsyncEngine) -> Checkpoint | None:
    c = audit_checkpoint.c
    async with engine.connect() as conn:
        row = (await conn.execute(select(c.seq, c.signed_at, c.key_id, c.root_hash, c.note)
                                  .order_by(c.id.desc()).limit(1))).first()
    if row is None:
        return None
    return Checkpoint(int(row.seq), as_utc(row.signed_at), str(row.key_id), str(row.root_hash or ""),
                      str(row.note or ""))

"""The audit store's tables: records (append-only by design), their subjects, the Merkle tree's stored
nodes, signed checkpoints.

A record's ``body`` is its canonical JSON, the only thing hashed. The other record columns and the
subject table are copies of the body kept for indexed review; verification checks every copy
against the body, so editing a copy to hide a record from a search is caught too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, SmallInteger, String, Table, Text

metadata = MetaData()

SEQ = BigInteger().with_variant(Integer, "sqlite")

audit_record = Table(
    "audit_record",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor_id", String(200), nullable=False, index=True),
    Column("agency", String(40), nullable=False),
    Column("roles", Text, nullable=False),  # ",role-a,role-b," so a role filter matches whole roles
    Column("purpose", String(64), nullable=False, index=True),
    Column("outcome", String(20), nullable=False, index=True),
    Column("trace_id", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_audit_record_agency_purpose", "agency", "purpose"),
)

audit_subject = Table(
    "audit_subject",
    metadata,
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("person_id", String(64), primary_key=True, index=True),
)

audit_checkpoint = Table(
    "audit_checkpoint",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seq", SEQ, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(200), nullable=False),  # Ed25519 over seq and head_hash (audit.keys.message)
    #: the RFC 6962 root of the first ``seq`` records (hex) and the signed C2SP checkpoint over it;
    #: empty on checkpoints signed before the trail was a Merkle tree
    Column("root_hash", String(64)),
    Column("note", Text),
)

#: Roots of the tree's perfect subtrees from ``STORED_LEVEL`` up (leaves ``[idx << level, (idx + 1) << level)``),
#: written with the records that complete them: a proof reads these and at most one block of records.
audit_tree_node = Table(
    "audit_tree_node",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", SEQ, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
)

#: Subtrees of 2**6 records and up are stored: about one node row per 32 records, and a proof or a
#: compact range rebuilt after a restart hashes at most 63 records.
STORED_LEVEL = 6

#: health() writes a row here and rolls it back: the only honest test that a record could be written.
audit_probe = Table(
    "audit_probe",
    metadata,
    Column("id", Integer, primary_key=True),
)

#: Widths of the copied text columns: longer values are cut, identically when writing and verifying.
WIDTHS = {"actor_id": 200, "agency": 40, "purpose": 64, "outcome": 20, "trace_id": 64}
MAX_SUBJECT = 64


def roles_column(roles: Any) -> str:
    return "," + ",".join(roles) + "," if roles else ","


def review_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed copies of a record, from its JSON data (``record.event_data`` or the parsed body)."""
    columns: dict[str, Any] = {name: str(data[name])[:width] for name, width in WIDTHS.items()}
    columns["roles"] = roles_column(data["roles"])
    columns["occurred_at"] = datetime.fromisoformat(str(data["occurred_at"]).replace("Z", "+00:00"))
    return columns


def as_utc(moment: datetime) -> datetime:
    """A time read back from the database in UTC (SQLite returns the stored UTC time without a zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

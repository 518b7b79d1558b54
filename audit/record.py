"""What one audit record holds, and how it is hashed into the chain.

A record names people (hub person ids), fields, clauses and hashes; never a disclosed value.
Its canonical JSON (sorted keys, no whitespace, ISO-8601 UTC times) is what is stored and what is
hashed: ``hash = sha256(prev_hash + canonical + str(seq))``, so verification recomputes from what
is stored. The first record's ``prev_hash`` is :data:`GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class SubjectFields:
    """What one request did with the fields of the people in ``subjects`` (people treated alike share one
    entry, so a 200-person page is a few entries). Field names only, never values."""

    subjects: tuple[str, ...]
    #: returned to the caller
    disclosed: tuple[str, ...] = ()
    #: returned only as a mask allows: field -> clause
    masked: Mapping[str, str] = field(default_factory=dict)
    #: asked for and kept back: field -> reason
    withheld: Mapping[str, str] = field(default_factory=dict)
    #: read to filter, order or look up without being returned
    consulted: tuple[str, ...] = ()

    def as_data(self) -> dict[str, Any]:
        return {"subjects": list(self.subjects), "disclosed": list(self.disclosed), "masked": dict(self.masked),
                "withheld": dict(self.withheld), "consulted": list(self.consulted)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SubjectFields:
        return cls(tuple(data["subjects"]), tuple(data["disclosed"]), dict(data["masked"]), dict(data["withheld"]),
                   tuple(data["consulted"]))


@dataclass(frozen=True)
class AggregateDisclosure:
    """A count disclosed in aggregate (``totalCount``, ``partnershipCounts``): about no one person."""

    kind: str
    fields: tuple[str, ...]
    #: the filter arguments or measure counted over (names, never values)
    over: tuple[str, ...] = ()

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "fields": list(self.fields), "over": list(self.over)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> AggregateDisclosure:
        return cls(str(data["kind"]), tuple(data["fields"]), tuple(data["over"]))


@dataclass(frozen=True)
class Operation:
    """Which operation ran: its name and type, and keyed digests of its document and variables."""

    name: str | None = None
    type: str | None = None
    query_hash: str | None = None
    variables_hash: str | None = None


@dataclass(frozen=True)
class Disclosure:
    """What one operation released and withheld, as its audit record keeps it: field names and person
    ids, never values. The gate's ledger writes it (schema/governance/gate.py)."""

    operation: Operation = field(default_factory=Operation)
    subjects: tuple[str, ...] = ()
    #: agency -> every field disclosed (or masked) about anyone, and aggregates, owned by that agency
    disclosed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: field -> clause, for every field withheld from anyone
    withheld: Mapping[str, str] = field(default_factory=dict)
    masked: Mapping[str, str] = field(default_factory=dict)
    clauses: tuple[str, ...] = ()
    legal_bases: tuple[str, ...] = ()
    access: tuple[SubjectFields, ...] = ()
    aggregates: tuple[AggregateDisclosure, ...] = ()

    def record_fields(self) -> dict[str, Any]:
        """The audit record's fields this disclosure fills (``AuditEvent(**d.record_fields(), ...)``)."""
        op = self.operation
        return {"operation_name": op.name, "operation_type": op.type, "query_hash": op.query_hash,
                "variables_hash": op.variables_hash, "subjects": self.subjects, "disclosed": self.disclosed,
                "withheld": self.withheld, "masked": self.masked, "clauses": self.clauses,
                "legal_bases": self.legal_bases, "access": self.access, "aggregates": self.aggregates}


@dataclass(frozen=True)
class AuditEvent:
    occurred_at: datetime
    trace_id: str
    request_id: str
    actor_id: str
    actor_kind: str
    agency: str
    roles: tuple[str, ...]
    source_address: str
    user_agent: str
    purpose: str
    justification: str
    legal_bases: tuple[str, ...]
    clauses: tuple[str, ...]
    operation_name: str | None
    operation_type: str | None
    query_hash: str | None
    variables_hash: str | None
    subjects: tuple[str, ...]
    disclosed: Mapping[str, tuple[str, ...]]
    withheld: Mapping[str, str]
    masked: Mapping[str, str]
    outcome: str
    error_codes: tuple[str, ...]
    latency_ms: float
    policy_version: str
    #: per person: disclosed, masked, withheld, consulted (records written before this field hold none)
    access: tuple[SubjectFields, ...] = ()
    aggregates: tuple[AggregateDisclosure, ...] = ()

    def about(self, person_id: str) -> SubjectFields | None:
        """This record's fields about one person only (for a subject access report), or None."""
        for entry in self.access:
            if person_id in entry.subjects:
                return replace(entry, subjects=(person_id,))
        return None


TUPLE_FIELDS = ("roles", "legal_bases", "clauses", "subjects", "error_codes")


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_data(event: AuditEvent) -> dict[str, Any]:
    """The event as plain JSON types (what the canonical text encodes)."""
    data: dict[str, Any] = {f.name: getattr(event, f.name) for f in fields(event)}
    data["occurred_at"] = utc_text(event.occurred_at)
    for key in TUPLE_FIELDS:
        data[key] = [str(v) for v in data[key]]
    data["disclosed"] = {str(k): [str(n) for n in v] for k, v in event.disclosed.items()}
    data["withheld"] = {str(k): str(v) for k, v in event.withheld.items()}
    data["masked"] = {str(k): str(v) for k, v in event.masked.items()}
    data["latency_ms"] = float(event.latency_ms)
    data["access"] = [a.as_data() for a in event.access]
    data["aggregates"] = [a.as_data() for a in event.aggregates]
    return data


def encode(data: Mapping[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical(event: AuditEvent) -> str:
    return encode(event_data(event))


def event_from(body: str) -> AuditEvent:
    """The event back from its stored canonical JSON."""
    data = json.loads(body)
    data["occurred_at"] = datetime.fromisoformat(data["occurred_at"].replace("Z", "+00:00"))
    for key in TUPLE_FIELDS:
        data[key] = tuple(data[key])
    data["disclosed"] = {k: tuple(v) for k, v in data["disclosed"].items()}
    data["access"] = tuple(SubjectFields.from_data(a) for a in data.get("access", ()))
    data["aggregates"] = tuple(AggregateDisclosure.from_data(a) for a in data.get("aggregates", ()))
    return AuditEvent(**data)


def chain_hash(prev_hash: str, seq: int, body: str) -> str:
    # prev_hash is fixed-width hex and the body a JSON object ending in "}", so the concatenation is unambiguous.
    return hashlib.sha256(f"{prev_hash}{body}{seq}".encode()).hexdigest()


@dataclass(frozen=True)
class StoredRecord:
    seq: int
    event: AuditEvent
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "prev_hash": self.prev_hash, "hash": self.hash, **event_data(self.event)}

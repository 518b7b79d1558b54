"""The audit trail in the graph, for information governance (``ig-officer``, purpose ``audit``)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from audit.integrity import IntegrityReport
from audit.record import StoredRecord
from audit.review import AuditFilter, Checkpoint, SubjectEntry
from schema.graph.types.paging import PageInfo
from schema.graph.types.vocabulary import Agency, AuditOutcome, Purpose, Role


@strawberry.input(description="Narrow the trail; every given condition must hold")
class AuditEventFilter:
    actor: str | None = None
    agency: Agency | None = None
    role: Role | None = None
    subject: strawberry.ID | None = strawberry.field(default=None, description="a hub person id")
    purpose: Purpose | None = None
    outcome: AuditOutcome | None = None
    since: datetime | None = None
    until: datetime | None = None

    def to_filter(self) -> AuditFilter:
        return AuditFilter(actor=self.actor, agency=_value(self.agency), role=_value(self.role),
                           subject=str(self.subject) if self.subject else None, purpose=_value(self.purpose),
                           outcome=_value(self.outcome), since=self.since, until=self.until)


def _value(member: Enum | None) -> str | None:
    return str(member.value) if member is not None else None


@strawberry.type
class AgencyFields:
    agency: str
    fields: list[str]


@strawberry.type
class FieldClause:
    field: str
    clause: str


@strawberry.type(name="AuditRequestFacts")  # not in the schema itself: both types below begin with these
class _RequestFacts:
    seq: int
    occurred_at: datetime
    actor_id: str
    actor_kind: str
    agency: str
    roles: list[str]
    purpose: str
    justification: str
    legal_bases: list[str]
    clauses: list[str]
    operation_name: str | None


@strawberry.type(description="One request as the trail records it: who, when, why, what; never the values")
class AuditRecord(_RequestFacts):
    operation_type: str | None
    query_hash: str | None
    variables_hash: str | None
    subjects: list[strawberry.ID]
    disclosed: list[AgencyFields]
    withheld: list[FieldClause]
    masked: list[FieldClause]
    outcome: AuditOutcome
    error_codes: list[str]
    latency_ms: float
    policy_version: str
    trace_id: str
    source_address: str
    hash: str
    prev_hash: str

    @classmethod
    def of(cls, r: StoredRecord) -> AuditRecord:
        e = r.event
        return cls(
            seq=r.seq, occurred_at=e.occurred_at, actor_id=e.actor_id, actor_kind=e.actor_kind, agency=e.agency,
            roles=list(e.roles), purpose=e.purpose, justification=e.justification, legal_bases=list(e.legal_bases),
            clauses=list(e.clauses), operation_name=e.operation_name, operation_type=e.operation_type,
            query_hash=e.query_hash, variables_hash=e.variables_hash,
            subjects=[strawberry.ID(s) for s in e.subjects],
            disclosed=[AgencyFields(agency=a, fields=list(f)) for a, f in e.disclosed.items()],
            withheld=[FieldClause(field=f, clause=c) for f, c in e.withheld.items()],
            masked=[FieldClause(field=f, clause=c) for f, c in e.masked.items()],
            outcome=AuditOutcome(e.outcome), error_codes=list(e.error_codes), latency_ms=e.latency_ms,
            policy_version=e.policy_version, trace_id=e.trace_id, source_address=e.source_address, hash=r.hash,
            prev_hash=r.prev_hash,
        )


@strawberry.type
class AuditRecordEdge:
    cursor: str
    node: AuditRecord


@strawberry.type
class AuditRecordConnection:
    edges: list[AuditRecordEdge]
    page_info: PageInfo


@strawberry.type(description="One request as it concerns one person: who, when, why, and which of their fields "
                             "were disclosed, masked, withheld or consulted. Nothing about anyone else.")
class SubjectDisclosure(_RequestFacts):
    outcome: AuditOutcome
    trace_id: str
    disclosed: list[str] = strawberry.field(description="Fields returned to the caller (Person.id: the person "
                                                        "was in the answer; Person.police etc.: whether that "
                                                        "agency holds a record)")
    masked: list[FieldClause] = strawberry.field(description="Fields returned only as a mask allows")
    withheld: list[FieldReason] = strawberry.field(description="Fields asked for and kept back, with why")
    consulted: list[str] = strawberry.field(description="Fields read to filter, order or look up, not returned "
                                                        "(DPA 2018 s62 consultation)")
    per_person: bool = strawberry.field(description="False for records written before the trail kept fields "
                                                    "per person: the fields are then the whole request's")

    @classmethod
    def of(cls, e: SubjectEntry) -> SubjectDisclosure:
        return cls(seq=e.seq, occurred_at=e.occurred_at, actor_id=e.actor_id, actor_kind=e.actor_kind,
                   agency=e.agency, roles=list(e.roles), purpose=e.purpose, justification=e.justification,
                   legal_bases=list(e.legal_bases), clauses=list(e.clauses), operation_name=e.operation_name,
                   outcome=AuditOutcome(e.outcome), trace_id=e.trace_id, disclosed=list(e.disclosed),
                   masked=[FieldClause(field=f, clause=c) for f, c in e.masked.items()],
                   withheld=[FieldReason(field=f, reason=r) for f, r in e.withheld.items()],
                   consulted=list(e.consulted), per_person=e.per_person)


@strawberry.type
class FieldReason:
    field: str
    reason: str


@strawberry.type(description="Every recorded request concerning one person: who, when, why and which of their "
                             "fields; never another person's id or fields")
class SubjectAccessReport:
    person_id: strawberry.ID
    disclosures: list[SubjectDisclosure]


@strawberry.type(description="The last signed checkpoint of the trail: a signed tree head, as a witness keeps it")
class SignedCheckpoint:
    size: int = strawberry.field(description="Records the tree held when it was signed")
    signed_at: datetime = strawberry.field(description="When it was signed")
    key_id: str = strawberry.field(description="The signing key's id (signed-note key id, hex)")
    root: str = strawberry.field(description="RFC 6962 root of the tree at that size, hex; empty for a checkpoint "
                                             "signed before the trail was a Merkle tree")
    note: str = strawberry.field(description="The C2SP tlog-checkpoint in its signed note, as the witness holds it")

    @classmethod
    def of(cls, c: Checkpoint) -> SignedCheckpoint:
        return cls(size=c.size, signed_at=c.signed_at, key_id=c.key_id, root=c.root, note=c.note)


@strawberry.type(description="The result of verifying the whole trail now")
class AuditIntegrity:
    ok: bool
    records: int
    checkpoints: int
    first_bad_seq: int | None
    problem: str | None
    head_seq: int
    head_hash: str
    tree_root: str = strawberry.field(description="RFC 6962 Merkle tree root of every record, hex")
    witness_consulted: bool = strawberry.field(
        description="Whether the checkpoints held by the witness outside the audit database were checked")
    witnessed_checkpoints: int = strawberry.field(
        description="Checkpoints the witness holds, each consistent with the trail when ok")
    last_checkpoint: SignedCheckpoint | None = strawberry.field(
        description="The latest signed checkpoint; null before the first is signed")

    @classmethod
    def of(cls, r: IntegrityReport, last: Checkpoint | None) -> AuditIntegrity:
        return cls(ok=r.ok, records=r.records, checkpoints=r.checkpoints, first_bad_seq=r.first_bad_seq,
                   problem=r.problem, head_seq=r.head_seq, head_hash=r.head_hash, tree_root=r.tree_root,
                   witness_consulted=r.witness is not None, witnessed_checkpoints=r.witnessed,
                   last_checkpoint=SignedCheckpoint.of(last) if last is not None else None)

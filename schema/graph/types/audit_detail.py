"""One audit record with what it did about each of its subjects, in one call (the console's record page).

Each subject's entry is that person's part of the record only (``audit.review.subject_entry``), as their
subject access report shows it; each subject shown is recorded as consulted about, as a subject access
report is.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from audit.review import AuditFilter, subject_entry
from hub.core.errors import BadUserInput
from hub.services.audit_review import AuditReadRefused
from hub.services.cursors import valid_person_id
from schema.governance.context import Info
from schema.graph.types.audit import AuditRecord, SubjectDisclosure

#: the most subjects one call returns the entries of
MAX_SUBJECTS = 50


@strawberry.type(description="What one record did about one of its subjects")
class RecordSubject:
    person_id: strawberry.ID = strawberry.field(description="The subject: a hub person id")
    disclosure: SubjectDisclosure = strawberry.field(description="What the record disclosed, masked, withheld and "
                                                                 "consulted about this person alone")


@strawberry.type(description="One audit record and, for its first subjects, what it did about each of them")
class AuditRecordDetail:
    record: AuditRecord = strawberry.field(description="The record as the trail keeps it")
    subjects: list[RecordSubject] = strawberry.field(
        description="each subject's own entry for this record, in the record's order, up to `subjects` of them")
    more_subjects: int = strawberry.field(description="subjects of the record not listed")


async def audit_record(info: Info, seq: Annotated[int, strawberry.argument(description="The record's sequence "
                                                                                     "number in the trail")],
                       subjects: Annotated[int, strawberry.argument(
        description="at most this many subjects' entries (0 to 50)")] = 20) -> AuditRecordDetail | None:
    review = info.context.audit
    if review is None:
        raise AuditReadRefused("the audit trail is not available without governance")
    if not 0 <= subjects <= MAX_SUBJECTS:
        raise BadUserInput(f"`subjects` must be between 0 and {MAX_SUBJECTS}", argument="subjects")
    caller = info.context.caller
    # The trail newest first from just after ``seq``: its first record is ``seq`` if there is one.
    found, _ = await review.events(caller.roles, caller.purpose, AuditFilter(), 1, seq + 1)
    if not found or found[0].seq != seq:
        return None
    stored = found[0]
    people = [s for s in stored.event.subjects if valid_person_id(s)]
    shown = people[:subjects]
    for person_id in shown:
        info.context.gate.ledger.of(person_id).consulted.add("Query.auditRecord")
    return AuditRecordDetail(record=AuditRecord.of(stored),
                             subjects=[RecordSubject(person_id=strawberry.ID(p),
                                                     disclosure=SubjectDisclosure.of(subject_entry(stored, p)))
                                       for p in shown],
                             more_subjects=len(people) - len(shown))

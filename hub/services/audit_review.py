"""The audit trail for information governance: only ``ig-officer`` under purpose ``audit`` reads it.

Every use is itself a request, so it is audited like any other (the middleware sees to that).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from audit.integrity import IntegrityReport, verify
from audit.record import StoredRecord
from audit.review import AuditFilter, Checkpoint, SubjectEntry, last_checkpoint, search, subject_entries
from audit.store import AuditStore
from hub.core.errors import BadUserInput, Forbidden

READER_ROLE = "ig-officer"
READER_PURPOSE = "audit"


class AuditReadRefused(Forbidden):
    code = "AUDIT_ACCESS_DENIED"


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class AuditReview:
    def __init__(self, store: Callable[[], Awaitable[AuditStore]]) -> None:
        self._store = store

    @staticmethod
    def check(roles: tuple[str, ...], purpose: str | None) -> None:
        if READER_ROLE not in roles or purpose != READER_PURPOSE:
            raise AuditReadRefused(f"the audit trail is read by {READER_ROLE} under purpose {READER_PURPOSE} only")

    async def events(self, roles: tuple[str, ...], purpose: str | None, f: AuditFilter, first: int,
                     before_seq: int | None) -> tuple[list[StoredRecord], bool]:
        self.check(roles, purpose)
        if not 1 <= first <= 500:
            raise BadUserInput("`first` must be between 1 and 500", argument="first")
        f = AuditFilter(**{**f.__dict__, "since": _utc(f.since), "until": _utc(f.until)})
        return await search((await self._store()).engine, f, first=first, before_seq=before_seq)

    async def subject_report(self, roles: tuple[str, ...], purpose: str | None, person_id: str
                             ) -> list[SubjectEntry]:
        self.check(roles, purpose)
        return await subject_entries((await self._store()).engine, person_id)

    async def last_checkpoint(self, roles: tuple[str, ...], purpose: str | None) -> Checkpoint | None:
        self.check(roles, purpose)
        return await last_checkpoint((await self._store()).engine)

    async def integrity(self, roles: tuple[str, ...], purpose: str | None) -> IntegrityReport:
        self.check(roles, purpose)
        # The store brings its witness: a trail cut short or rewritten and re-signed is caught here too.
        return await verify(await self._store())

"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from hub.services.access import AccessService
from hub.services.agencies import Agencies
from hub.services.audit_review import AuditReview
from hub.services.counts import CountTables
from hub.services.people import PeopleService
from schema.governance.gate import Gate
from schema.governance.loaders import Loaders


@dataclass
class Caller:
    """Who is asking and why; None values only when governance is off."""

    subject: str | None = None
    agency: str | None = None
    roles: tuple[str, ...] = ()
    purpose: str | None = None
    justification: str | None = None


@dataclass
class HubContext:
    people: PeopleService
    agencies: Agencies
    loaders: Loaders
    gate: Gate
    #: each measure's protected count table (partnershipCounts)
    counts: CountTables
    caller: Caller = field(default_factory=Caller)
    max_first: int = 500
    #: the policy in force, for myAccess/explainAccess (None when governance is off)
    access: AccessService | None = None
    #: the audit trail for information governance (None when governance is off)
    audit: AuditReview | None = None


Info = strawberry.Info[HubContext, None]

"""How many people each agency holds a record of, for information governance weighing a policy change
(the console's agreements page): counted through the person index, only for ``ig-officer`` under purpose
``audit``, and recorded in the audit as an aggregate count, about no one person."""

from __future__ import annotations

from typing import Annotated

import strawberry

from audit.record import AggregateDisclosure
from hub.services.audit_review import AuditReadRefused
from hub.services.policy_impact import people_holding
from schema.governance.context import Info

#: the owner counting everyone the person index links (a field group shared by every agency's identity)
EVERYONE = "all"


@strawberry.type(description="How many people an agency holds a record of today (all: everyone the hub links)")
class PeopleHolding:
    owner: str = strawberry.field(description="An agency (police, probation...) or all")
    people: int = strawberry.field(description="People it holds a record of today")


async def people_holding_records(info: Info, owners: Annotated[list[str], strawberry.argument(
        description="The agencies to count (all: everyone the hub links); others are left out")]
                                 ) -> list[PeopleHolding] | None:
    review = info.context.audit
    if review is None:
        raise AuditReadRefused("the audit trail is not available without governance")
    caller = info.context.caller
    review.check(caller.roles, caller.purpose)  # information governance only, as the trail itself
    agencies = info.context.agencies
    wanted = sorted({o for o in owners if o == EVERYONE or o in agencies})
    counts = await people_holding(info.context.people.index, agencies, wanted)
    # Governance's own count, released by no agreement clause: recorded as an aggregate of the identifiers
    # it counts (the person index's links), never as anyone's record.
    read = [f"Identifiers.{agencies.descriptors[o].key_scheme}" for o in wanted if o != EVERYONE]
    read += ["Person.id"] if EVERYONE in wanted else []
    info.context.gate.ledger.aggregates.append(AggregateDisclosure("peopleHoldingRecords", tuple(read),
                                                                   tuple(wanted)))
    return [PeopleHolding(owner=o, people=counts[o]) for o in wanted]

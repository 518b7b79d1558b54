"""Questions about individual people: who may ask them at all, and whose people "my caseload" is.

Both follow from the caller's plan, not from a role's name. Where no field of a person's identity
can ever be shown to the caller (denied, or masked away, with no condition that could release
it), listing or looking up people, even as bare ids, would answer person-level questions about
people it may never identify: DOMAIN.md's "no person-level answer" (partnership analysts, who
have ``partnershipCounts``). And where the caller sees who people are only through a relationship
(their victims' cases, a caseload or an open referral to their service), "my caseload" means
those people.
"""

from __future__ import annotations

from hub.core.errors import PersonLevelNotPermitted
from schema.governance.gate import SETS, Gate

#: The Person fields that say who someone is (the agreements' identity group).
IDENTITY = ("Person.name", "Person.dateOfBirth", "Person.birthYear")


def refuse_person_level(gate: Gate, query: str) -> None:
    """PersonLevelNotPermitted unless the caller may see some person's identity under some condition."""
    if gate.plan is None:
        return
    decisions = [gate.plan.field(key) for key in IDENTITY]
    if any(d.visible for d in decisions):
        return
    d = decisions[0]
    raise PersonLevelNotPermitted(
        f"`{query}` answers about individual people, and no person's identity is shared with you for this "
        "purpose: ask partnershipCounts for aggregate figures",
        query=query, clause=d.clause, agreement=d.agreement, legalBasis=d.legal_basis)


def own_people(gate: Gate) -> str:
    """The condition whose people ``onMyCaseload`` means: the one identity is released under, if a set
    (victim's cases, a legitimate relationship), else the caller's caseload."""
    if gate.plan is not None:
        for key in IDENTITY:
            d = gate.plan.field(key)
            if d.visible and d.condition in SETS:
                return d.condition
    return "caseload"


async def identified(gate: Gate) -> frozenset[str] | None:
    """The people whose identity the caller may see where only a relationship releases it (their
    caseload, victims' cases, referrals); None where identity is released for anyone.

    Only these people are found by a search or a lookup: listing someone, even as a bare id, says
    the partnership knows them.
    """
    if gate.plan is None:
        return None
    conditions = [d.condition for d in (gate.plan.field(key) for key in IDENTITY) if d.visible]
    if not conditions or any(c is None for c in conditions):
        return None
    people: frozenset[str] = frozenset()
    for condition in dict.fromkeys(conditions):
        people |= await gate.people_under(condition or "")
    return people

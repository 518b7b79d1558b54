"""``myAccess`` and ``explainAccess``: the agreements as they apply, readable by callers and IG."""

from __future__ import annotations

from enum import Enum

import strawberry

from policies.decisions import FieldDecision
from policies.explain import Explanation, MyAccess, describe
from policies.matrix import Cell
from schema.graph.types.vocabulary import Purpose, Role


@strawberry.enum(description="What an agreement does with a field")
class AccessEffect(Enum):
    ALLOW = "allow"
    MASK = "mask"
    DENY = "deny"


@strawberry.type(description="How the agreements treat one field for the caller's roles and purpose")
class FieldAccess:
    field: str = strawberry.field(description="Type.field, as in the schema")
    group: str
    effect: AccessEffect
    visible: bool = strawberry.field(description="Whether any value is shown (a mask may hide this field)")
    mask: str | None
    transform: str | None = strawberry.field(description="How a masked value is reduced, e.g. birth_year")
    condition: str | None = strawberry.field(
        description="caseload, consent, victim_case, caseload+consent or relationship (caseload, or an open "
                    "referral to the caller's service)")
    aggregate: bool = strawberry.field(description="Usable only in aggregate outputs")
    agreement: str
    clause: str
    legal_basis: str
    summary: str

    @classmethod
    def of(cls, d: FieldDecision) -> FieldAccess:
        return cls(field=d.field_key, group=d.group, effect=AccessEffect(d.effect), visible=d.visible, mask=d.mask,
                   transform=d.transform, condition=d.condition, aggregate=d.aggregate, agreement=d.agreement,
                   clause=d.clause, legal_basis=d.legal_basis, summary=describe(d))


@strawberry.type(description="What the caller may see under its stated purpose")
class MyAccessReport:
    roles: list[Role]
    purpose: Purpose
    legal_basis: str
    justification_required: bool
    policy_version: str
    fields: list[FieldAccess]

    @classmethod
    def of(cls, m: MyAccess) -> MyAccessReport:
        return cls(roles=[Role(r) for r in m.roles], purpose=Purpose(m.purpose), legal_basis=m.legal_basis,
                   justification_required=m.justification_required, policy_version=m.policy_version,
                   fields=[FieldAccess.of(d) for d in m.fields])


@strawberry.type(description="Why a field is or is not shared with a role under a purpose")
class AccessExplanation:
    field: str
    role: Role
    purpose: Purpose
    purpose_permitted: bool
    decision: FieldAccess | None
    source: str | None = strawberry.field(description="The agreement file and line of the deciding rule")
    reason: str

    @classmethod
    def of(cls, e: Explanation) -> AccessExplanation:
        return cls(field=e.field_key, role=Role(e.role), purpose=Purpose(e.purpose),
                   purpose_permitted=e.purpose_permitted,
                   decision=FieldAccess.of(e.decision) if e.decision else None, source=e.source, reason=e.reason)


@strawberry.type(description="One cell of the agreements in force: what a role, under a purpose it may state, "
                             "receives of one field group")
class AgreementCell:
    role: str = strawberry.field(description="The role (as roles.csv names it)")
    purpose: str = strawberry.field(description="A purpose the role may state (as purposes.csv names it)")
    group: str = strawberry.field(description="The field group (fields.csv)")
    owner: str = strawberry.field(description="The agency whose records the group's fields are; all: shared identity")
    effect: str = strawberry.field(description="allow, mask:<mask> or deny; (aggregate): usable in counts only; "
                                               "deny (no rule) where no row covers the cell")
    condition: str = strawberry.field(description="For whom it applies (caseload, consent, victim_case, "
                                                  "relationship...); empty: everyone")
    clause: str = strawberry.field(description="The agreement clause that decides it")
    agreement: str = strawberry.field(description="The information sharing agreement")
    legal_basis: str = strawberry.field(description="The legal basis it rests on")

    @classmethod
    def of(cls, c: Cell) -> AgreementCell:
        return cls(role=c.role, purpose=c.purpose, group=c.group, owner=c.owner, effect=c.effect,
                   condition=c.condition, clause=c.clause, agreement=c.agreement, legal_basis=c.legal_basis)

"""Answers for information governance and for callers: why a field is (not) shared, and what
a caller may see under its purpose. Wrapped by GraphQL ``explainAccess`` and ``myAccess``."""

from __future__ import annotations

from dataclasses import dataclass

from policies.decisions import NO_RULE, NOT_CATALOGUED, FieldDecision
from policies.policy_set import PolicySet


@dataclass(frozen=True, slots=True)
class Explanation:
    field_key: str
    role: str
    purpose: str
    purpose_permitted: bool
    decision: FieldDecision | None  # None: the role may not use the purpose at all
    source: str | None  # file:line of the deciding rule
    reason: str  # one sentence an IG officer can read


@dataclass(frozen=True, slots=True)
class MyAccess:
    roles: tuple[str, ...]
    purpose: str
    legal_basis: str
    justification_required: bool
    policy_version: str
    fields: tuple[FieldDecision, ...]  # every catalogued field, by field key


def explain(policy: PolicySet, field_key: str, role: str, purpose: str) -> Explanation:
    if not policy.purpose_permitted((role,), purpose):
        return Explanation(field_key, role, purpose, False, None, None,
                           f"{role} may not use purpose {purpose} (agreements/purposes.csv)")
    d = policy.plan((role,), purpose).field(field_key)
    group = policy.group_decision(role, purpose, d.group) if d.group else None
    source = group.rule.source if group is not None else None
    return Explanation(field_key, role, purpose, True, d, source, _reason(d))


def my_access(policy: PolicySet, roles: tuple[str, ...], purpose: str) -> MyAccess:
    """What these roles may see under this purpose; PurposeNotPermitted if none may use it."""
    plan = policy.plan(roles, purpose)
    return MyAccess(plan.roles, purpose, policy.legal_basis(purpose) or "", policy.justification_required(purpose),
                    policy.version, tuple(sorted(plan.decisions.values(), key=lambda d: d.field_key)))


def describe(d: FieldDecision) -> str:
    """Effect, mask and condition in a few words: "mask:band if caseload"."""
    effect = f"mask:{d.mask}" if d.effect == "mask" else d.effect
    return effect + (f" if {d.condition}" if d.condition else "") + (" (aggregate)" if d.aggregate else "")


def _reason(d: FieldDecision) -> str:
    if d.agreement == NOT_CATALOGUED:
        return f"{d.field_key} is not in the field catalogue (fields.csv), so it is shared with nobody"
    if d.agreement == NO_RULE:
        return f"no rule covers group {d.group} for this role and purpose, so it is denied"
    if d.effect == "deny":
        extra = "; usable only in aggregate outputs" if d.aggregate else ""
        return f"{d.clause} ({d.agreement}) does not share group {d.group}{extra}"
    shown = "as is" if d.transform is None else f"as {d.transform}"
    if d.effect == "mask" and not d.visible:
        return f"{d.clause} ({d.agreement}) shares group {d.group} only under mask {d.mask}, which hides this field"
    how = f"under mask {d.mask}, {shown}" if d.effect == "mask" else shown
    when = f", only {_CONDITION[d.condition]}" if d.condition else ""
    return f"{d.clause} ({d.agreement}) shares it {how}{when}"


_CONDITION = {
    "caseload": "for people on the caller's own caseload or cohort",
    "consent": "where the person's consent to share with the caller's agency is recorded",
    "victim_case": "for the person whose victim's case the caller holds",
    "caseload+consent": "for people on the caller's caseload with recorded consent to share",
    "relationship": "for people on the caller's caseload or with an open referral to the caller's service",
}

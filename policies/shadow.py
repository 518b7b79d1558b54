"""Shadow evaluation: how a candidate version of the agreements would have judged what a request touched.

The live version decides what is released; the candidate only gives its opinion on the same fields, for
the same caller, so information governance can see on real traffic where the two part ways before the
candidate applies. Nothing is ever released under the candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from hub.core.errors import PurposeNotPermitted
from policies.decisions import AccessPlan, FieldDecision
from policies.explain import describe
from policies.policy_set import PolicySet

NOT_PERMITTED = "deny (purpose not permitted)"


@dataclass(frozen=True, slots=True)
class Difference:
    field: str
    live: str
    shadow: str
    #: people whose ``field`` the request touched (returned, masked, withheld or consulted)
    people: int


def _effect(d: FieldDecision) -> tuple[str, str | None, str | None, bool]:
    return d.effect, d.mask, d.condition, d.aggregate


def compare(live: AccessPlan, candidate: PolicySet, touched: Mapping[str, int]) -> list[Difference]:
    """The fields of ``touched`` (field -> people) the candidate would judge otherwise for this caller."""
    try:
        shadow: AccessPlan | None = candidate.plan(live.roles, live.purpose)
    except PurposeNotPermitted:
        shadow = None
    found = []
    for field, people in sorted(touched.items()):
        now = live.field(field)
        then = shadow.field(field) if shadow is not None else None
        if then is None:
            if now.visible or now.aggregate:
                found.append(Difference(field, describe(now), NOT_PERMITTED, people))
        elif _effect(now) != _effect(then):
            found.append(Difference(field, describe(now), describe(then), people))
    return found


def touched_fields(fields_by_person: Iterable[Iterable[str]], aggregate_fields: Iterable[str]) -> dict[str, int]:
    """field -> how many people's values of it the request touched; an aggregate's fields count no one."""
    counts: dict[str, int] = {}
    for fields in fields_by_person:
        for field in set(fields):
            counts[field] = counts.get(field, 0) + 1
    for field in aggregate_fields:
        counts.setdefault(field, 0)
    return counts

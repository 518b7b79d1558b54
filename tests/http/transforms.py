"""What a mask's transform makes of a value as the response shows it (JSON), for comparing with the hub."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.probation.records import LicenceConditionKind
from policies.masks import REGISTRY


@dataclass(frozen=True)
class _Condition:
    """A licence condition as the transform sees it, carrying the JSON it came from."""

    kind: LicenceConditionKind
    raw: dict[str, Any]


def through(transform: str, stored: Any) -> Any:
    """The registry's own transform applied to a stored value, in the response's JSON form."""
    t = REGISTRY[transform]
    if stored is None:
        return None
    if t.accepts == {"String"}:
        return t.apply(stored)
    if t.accepts == {"[LicenceCondition!]"}:
        return [c.raw for c in t.apply([_Condition(LicenceConditionKind[c["kind"]], c) for c in stored])]
    raise AssertionError(f"teach this test the JSON form of {sorted(t.accepts)} to check transform {transform}")

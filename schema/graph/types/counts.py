"""Aggregate counts for partnership analysts: counts only, small numbers suppressed."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from connectors.registry import AGENCIES
from hub.services import cohort
from hub.services.counts import measures
from schema.governance.gate import Gate

#: Every registered agency's measures (connectors/registry.py), by name.
MEASURES = measures(a.agency for a in AGENCIES)
#: Every registered agency's breakdowns, by name, in registration order.
BREAKDOWNS = {b.name: b for b in cohort.breakdowns(a.agency for a in AGENCIES)}
#: The field key of the release date the release cohort follows.
RELEASE_FIELD = cohort.release_field(a.agency for a in AGENCIES)
#: why a count's field is withheld (``extensions.withheld``)
NOT_IN_AGGREGATE = "not shared in aggregate"


def countable(gate: Gate, field_key: str) -> bool:
    """Whether the caller may count by the field: released in aggregate, or to them about everyone."""
    if gate.plan is None:
        return True
    d = gate.plan.field(field_key)
    return bool(d.aggregate or (d.visible and d.condition is None))


def withhold_uncountable(gate: Gate, field_keys: list[str], path: list[str | int]) -> bool:
    """Whether a field of ``field_keys`` may not be counted by the caller: then the first such is withheld at
    ``path`` as any refused field is (a FIELD_NOT_SHARED error and ``extensions.withheld``, in the audit)."""
    for key in field_keys:
        if not countable(gate, key):
            assert gate.plan is not None
            gate.withhold(path, key, NOT_IN_AGGREGATE, gate.plan.field(key))
            return True
    return False


def countable_breakdowns(gate: Gate) -> list[str]:
    """The breakdowns the caller may count: the dimensions of the protected table they read."""
    return [name for name, b in BREAKDOWNS.items() if countable(gate, b.field_key)]


def _described(name: str) -> str:
    outcome = MEASURES[name].outcome
    return outcome.definition if outcome is not None else f"people by {MEASURES[name].field_key}"


if TYPE_CHECKING:
    class CountMeasure(Enum):
        value: str

    class CountBreakdown(Enum):
        value: str
else:
    CountMeasure = strawberry.enum(
        Enum("CountMeasure", {name: strawberry.enum_value(name, description=_described(name)) for name in MEASURES}),
        description="What to count people by (fields the agreements allow in aggregate); an outcome measure "
                    "follows a release cohort (values true, false, not_known)")
    CountBreakdown = strawberry.enum(
        Enum("CountBreakdown", {name: name for name in BREAKDOWNS}),
        description="A dimension an outcome measure's cells can be broken down by; a person the answering "
                    "agency holds no record of is not_known")


@strawberry.type
class BreakdownValue:
    dimension: CountBreakdown
    value: str


@strawberry.type
class CountCell:
    value: str
    count: int | None = strawberry.field(description="null when suppressed")
    suppressed: bool
    breakdown: list[BreakdownValue] = strawberry.field(description="the breakdowns' values, in the order asked")


@strawberry.type(description="Counts by one measure; cells under the threshold, and any that would reveal one by "
                             "difference from a total any query publishes, are suppressed")
class CountTable:
    measure: CountMeasure
    field: str
    fields_read: list[str] = strawberry.field(description="every governed field the measure, its release cohort "
                                                          "and its breakdowns read")
    period: str | None = strawberry.field(description="the release period counted (2025-Q2, FY2025/26); null: "
                                                      "every release")
    threshold: int
    cells: list[CountCell]
    total: int | None

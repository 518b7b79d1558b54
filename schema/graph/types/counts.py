"""Aggregate counts for partnership analysts: counts only, small numbers suppressed."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from connectors.registry import AGENCIES
from hub.services.counts import measures

#: Every registered agency's measures (connectors/registry.py), by name.
MEASURES = measures(a.agency for a in AGENCIES)
#: Every registered agency's breakdowns: name -> (agency, the record's field key).
BREAKDOWNS = {name: (a.agency.name, f"{a.agency.record_type}.{f}") for a in AGENCIES
              for name, f in a.agency.breakdowns.items()}
#: The field key of the release date the release cohort follows.
RELEASE_FIELD = next(f"{a.agency.record_type}.{a.agency.release_field}" for a in AGENCIES if a.agency.release_field)


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

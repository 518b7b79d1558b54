"""Aggregate counts for partnership analysts: counts only, small numbers suppressed."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="What to count people by (fields the agreements allow in aggregate)")
class CountMeasure(Enum):
    IOM_COHORT = "IOM_COHORT"
    OGRS_BAND = "OGRS_BAND"
    ROSH_LEVEL = "ROSH_LEVEL"
    MAPPA_LEVEL = "MAPPA_LEVEL"
    ACCOMMODATION_STATUS = "ACCOMMODATION_STATUS"
    DUTY_STAGE = "DUTY_STAGE"
    TREATMENT_ENGAGED = "TREATMENT_ENGAGED"


@strawberry.type
class CountCell:
    value: str
    count: int | None = strawberry.field(description="null when suppressed")
    suppressed: bool


@strawberry.type(description="Counts by one measure; cells under the threshold (and any that would reveal them) "
                             "are suppressed, and the total is shown only when none is")
class CountTable:
    measure: CountMeasure
    field: str
    threshold: int
    cells: list[CountCell]
    total: int | None

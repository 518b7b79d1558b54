"""Aggregate counts for partnership analysts: counts only, small numbers suppressed."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from connectors.registry import AGENCIES
from hub.services.counts import measures

#: Every registered agency's measures (connectors/registry.py), by name.
MEASURES = measures(a.agency for a in AGENCIES)

if TYPE_CHECKING:
    class CountMeasure(Enum):
        value: str
else:
    CountMeasure = strawberry.enum(Enum("CountMeasure", {name: name for name in MEASURES}),
                                   description="What to count people by (fields the agreements allow in aggregate)")


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

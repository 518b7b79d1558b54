"""Aggregate counts for partnership performance: counts only, small numbers suppressed.

A cell under ``THRESHOLD`` is withheld (primary suppression). If exactly one cell is withheld, the
next smallest is withheld too (secondary suppression), so the withheld one cannot be worked out
from the total; the total itself is shown only when no cell is withheld.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.services.agencies import Agencies

THRESHOLD = 5

#: measure -> (agency, field on the agency's record type): the fields the agreements allow in aggregate
MEASURES: dict[str, tuple[str, str]] = {
    "IOM_COHORT": ("police", "iomCohort"),
    "OGRS_BAND": ("probation", "ogrsBand"),
    "ROSH_LEVEL": ("probation", "roshLevel"),
    "MAPPA_LEVEL": ("probation", "mappaLevel"),
    "ACCOMMODATION_STATUS": ("housing", "accommodationStatus"),
    "DUTY_STAGE": ("housing", "dutyStage"),
    "TREATMENT_ENGAGED": ("treatment", "engaged"),
}
RECORD_TYPE = {"police": "PoliceRecord", "probation": "ProbationRecord", "housing": "HousingRecord",
               "treatment": "TreatmentRecord"}


def field_key(measure: str) -> str:
    agency, name = MEASURES[measure]
    return f"{RECORD_TYPE[agency]}.{name}"


@dataclass(frozen=True)
class Cell:
    value: str
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class CountTable:
    measure: str
    cells: tuple[Cell, ...]
    total: int | None


def suppress(counts: dict[str, int], threshold: int = THRESHOLD) -> tuple[tuple[Cell, ...], int | None]:
    hidden = {v for v, n in counts.items() if n < threshold}
    if len(hidden) == 1 and len(counts) > 1:
        shown = sorted((n, v) for v, n in counts.items() if v not in hidden)
        hidden.add(shown[0][1])
    cells = tuple(Cell(v, None if v in hidden else n) for v, n in sorted(counts.items()))
    return cells, None if hidden else sum(counts.values())


async def count(agencies: Agencies, measure: str) -> CountTable:
    agency, name = MEASURES[measure]
    counts = await agencies.all()[agency].counts(name)
    cells, total = suppress(counts)
    return CountTable(measure, cells, total)

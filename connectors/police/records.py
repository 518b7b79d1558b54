"""What the police system tells the hub, independent of how it is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from hub.core.offences import OffenceType


class IomCohort(Enum):
    FIXED = "fixed"
    FLEX = "flex"
    FREE = "free"


class ArrestOutcome(Enum):
    CHARGED = "charged"
    BAILED = "bailed"
    RELEASED_UNDER_INVESTIGATION = "released_under_investigation"
    NO_FURTHER_ACTION = "no_further_action"
    CAUTION = "caution"
    REMANDED = "remanded"


class WarningMarkerKind(Enum):
    """A Police National Computer warning marker (the police system stores the lower-case value)."""

    VIOLENCE = "violence"
    WEAPONS = "weapons"
    DRUGS = "drugs"
    SELF_HARM = "self_harm"
    ESCAPER = "escaper"
    MENTAL_HEALTH = "mental_health"


class HandlingCode(Enum):
    """3x5x2 handling code: P may be shared lawfully; C carries conditions and stays with police."""

    P = "P"
    C = "C"


@dataclass(frozen=True, slots=True)
class Officer:
    officer_id: str
    name: str
    borough: str
    phone: str


@dataclass(frozen=True, slots=True)
class Nominal:
    pnc_id: str
    cro_number: str | None
    surname: str
    forenames: str
    date_of_birth: date
    iom_cohort: IomCohort | None
    iom_officer: Officer | None


@dataclass(frozen=True, slots=True)
class Arrest:
    arrest_id: int
    arrested_at: datetime
    offence_code: str
    offence: str
    custody_suite: str
    outcome: ArrestOutcome
    #: the partnership's group of the offence
    offence_group: OffenceType = OffenceType.OTHER
    #: charged and later convicted; None where that is not known (yet)
    proven: bool | None = None


@dataclass(frozen=True, slots=True)
class IntelligenceReport:
    report_id: int
    recorded_at: datetime
    source_evaluation: str
    intelligence_assessment: str
    handling_code: HandlingCode
    summary: str
    detail: str

    @property
    def grading(self) -> str:
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code.value}"


@dataclass(frozen=True, slots=True)
class WarningMarker:
    marker: str
    recorded_on: date


@dataclass(frozen=True)
class PoliceCriteria:
    iom_cohorts: frozenset[IomCohort] | None = None
    arrested_since: datetime | None = None

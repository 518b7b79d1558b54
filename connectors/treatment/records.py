"""What the community drug and alcohol service tells the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum


class AppointmentKind(Enum):
    """What a treatment appointment is for (the treatment system stores the lower-case value)."""

    ASSESSMENT = "assessment"
    KEYWORK = "keywork"
    PRESCRIBING = "prescribing"
    REVIEW = "review"


class Substance(Enum):
    OPIATES = "opiates"
    CRACK = "crack"
    COCAINE = "cocaine"
    ALCOHOL = "alcohol"
    CANNABIS = "cannabis"
    BENZODIAZEPINES = "benzodiazepines"
    OTHER = "other"


class RequirementKind(Enum):
    DRR = "DRR"
    ATR = "ATR"
    MHTR = "MHTR"


@dataclass(frozen=True, slots=True)
class Episode:
    episode_id: int
    substance: Substance
    started_on: date
    ended_on: date | None
    discharge_reason: str | None


@dataclass(frozen=True, slots=True)
class OstPrescription:
    prescription_id: int
    medication: str
    daily_dose_mg: int
    prescriber: str
    started_on: date
    ended_on: date | None


@dataclass(frozen=True, slots=True)
class TreatmentRequirement:
    requirement_id: int
    kind: RequirementKind
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class Appointment:
    appointment_id: int
    scheduled_at: datetime
    kind: str
    attended: bool | None


@dataclass(frozen=True, slots=True)
class Consent:
    consent_id: int
    share_with: str
    recorded_on: date
    withdrawn_on: date | None


@dataclass(frozen=True, slots=True)
class TreatmentClient:
    nhs_number: str
    surname: str
    forenames: str
    date_of_birth: date
    service: str
    #: in an open treatment episode now: the only fact most partners may learn
    engaged: bool
    #: agencies with an active consent to be told of engagement
    consent_to_share_with: frozenset[str]
    #: the latest release from custody, as the prison healthcare handover recorded it
    released_on: date | None = None
    #: an episode started or an appointment attended within 21 days after that release; None when
    #: there was no release or 21 days have not yet passed
    engaged_within_21_days_of_release: bool | None = None

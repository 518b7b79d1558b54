"""What the employment and skills service (Jobcentre-style adviser records) tells the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum


class EmploymentStatus(Enum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    UNEMPLOYED_CLAIMING = "unemployed_claiming"
    NOT_SEEKING = "not_seeking"


class EteKind(Enum):
    """Education, training or employment: the seventh pathway to reducing reoffending."""

    EDUCATION = "education"
    TRAINING = "training"
    EMPLOYMENT = "employment"


class EteReferralStatus(Enum):
    OPEN = "open"
    STARTED = "started"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Adviser:
    adviser_id: str
    name: str
    office: str
    phone: str


@dataclass(frozen=True, slots=True)
class EmploymentClient:
    ni_number: str
    surname: str
    forenames: str
    date_of_birth: date
    status: EmploymentStatus
    status_since: date
    adviser: Adviser | None
    #: release from custody as the service's prison work coach recorded it
    released_on: date | None
    #: in work six weeks and six months after that release; None until the day has come (or no release)
    employed_six_weeks_after_release: bool | None
    employed_six_months_after_release: bool | None


@dataclass(frozen=True, slots=True)
class EteReferral:
    referral_id: int
    kind: EteKind
    referred_on: date
    started_on: date | None
    status: EteReferralStatus


@dataclass(frozen=True, slots=True)
class Job:
    job_id: int
    employer: str
    starts_on: date
    ends_on: date | None
    hours_per_week: int

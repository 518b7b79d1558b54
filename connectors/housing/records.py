"""What the local-authority housing options system tells the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from hub.core.identifiers import postcode_district


class AccommodationStatus(Enum):
    SETTLED = "settled"
    TRANSIENT = "transient"
    APPROVED_PREMISES = "approved_premises"
    TEMPORARY = "temporary"
    NFA = "nfa"
    ROUGH_SLEEPING = "rough_sleeping"


#: No address of their own: the case is managed by the last borough they lived in.
NO_FIXED_ABODE = frozenset({AccommodationStatus.NFA, AccommodationStatus.ROUGH_SLEEPING})


class DutyStage(Enum):
    """Homelessness Reduction Act 2017 duty stage."""

    NONE = "none"
    PREVENTION = "prevention"
    RELIEF = "relief"
    MAIN_DUTY = "main_duty"


class DutyToReferStatus(Enum):
    """Where a Duty to Refer referral stands (the housing system stores the lower-case value)."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class PlacementKind(Enum):
    TRANSITIONAL = "transitional"
    APPROVED_PREMISES = "approved_premises"
    TEMPORARY = "temporary"
    SUPPORTED = "supported"


@dataclass(frozen=True, slots=True)
class Address:
    line: str
    postcode: str
    uprn: str | None


@dataclass(frozen=True, slots=True)
class HousingClient:
    housing_ref: str
    surname: str
    forenames: str
    date_of_birth: date
    address: Address | None
    #: borough of residence; for NFA and rough sleeping, the last borough, which manages the case
    last_known_borough: str
    accommodation_status: AccommodationStatus
    status_since: date
    duty_stage: DutyStage

    @property
    def postcode_district(self) -> str | None:
        return postcode_district(self.address.postcode) if self.address else None

    @property
    def borough(self) -> str | None:
        """Where they live: none for no fixed abode or rough sleeping (as they have no address either)."""
        return None if self.accommodation_status in NO_FIXED_ABODE else self.last_known_borough


@dataclass(frozen=True, slots=True)
class DutyToRefer:
    referral_id: int
    referred_on: date
    referring_agency: str
    status: str


@dataclass(frozen=True, slots=True)
class Placement:
    placement_id: int
    kind: PlacementKind
    provider: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class HousingCriteria:
    boroughs: frozenset[str] | None = None
    accommodation_statuses: frozenset[AccommodationStatus] | None = None
    duty_stages: frozenset[DutyStage] | None = None

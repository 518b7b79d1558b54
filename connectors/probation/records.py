"""What the probation system (case management, assessments, prison data) tells the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from hub.core.offences import OffenceType
from hub.core.ogrs import OgrsBand


class RoshLevel(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class CustodyStatus(Enum):
    COMMUNITY = "community"
    CUSTODY = "custody"
    LICENCE = "licence"


class SentenceKind(Enum):
    CUSTODIAL = "custodial"
    COMMUNITY_ORDER = "community_order"
    SUSPENDED_SENTENCE = "suspended_sentence"


class ReleaseType(Enum):
    AUTOMATIC_CONDITIONAL = "automatic_conditional"
    HOME_DETENTION_CURFEW = "home_detention_curfew"
    EARLY_RELEASE = "early_release"
    PAROLE = "parole"
    SENTENCE_EXPIRY = "sentence_expiry"


class LicenceConditionKind(Enum):
    CURFEW = "curfew"
    EXCLUSION_ZONE = "exclusion_zone"
    ELECTRONIC_MONITORING = "electronic_monitoring"
    RESIDENCE = "residence"
    NON_CONTACT = "non_contact"
    DRUG_TESTING = "drug_testing"


class Pathway(Enum):
    """The seven pathways to reducing reoffending."""

    ACCOMMODATION = "accommodation"
    EDUCATION_TRAINING_EMPLOYMENT = "education_training_employment"
    HEALTH = "health"
    DRUGS_ALCOHOL = "drugs_alcohol"
    FINANCE_BENEFIT_DEBT = "finance_benefit_debt"
    CHILDREN_FAMILIES = "children_families"
    ATTITUDES_THINKING_BEHAVIOUR = "attitudes_thinking_behaviour"


@dataclass(frozen=True, slots=True)
class OffenderManager:
    staff_code: str
    name: str
    team: str
    borough: str
    email: str
    phone: str


@dataclass(frozen=True, slots=True)
class Sentence:
    sentence_id: int
    kind: SentenceKind
    offence: str
    sentenced_on: date
    length_months: int
    release_date: date | None
    release_type: ReleaseType | None
    licence_end_date: date | None
    recalled_on: date | None
    breached_on: date | None


@dataclass(frozen=True, slots=True)
class LicenceCondition:
    condition_id: int
    kind: LicenceConditionKind
    description: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True, slots=True)
class Referral:
    referral_id: int
    pathway: Pathway
    referred_on: date
    open: bool


@dataclass(frozen=True, slots=True)
class Offender:
    crn: str
    pnc_id: str | None
    prison_number: str | None
    surname: str
    forenames: str
    date_of_birth: date
    tier: str
    ogrs_score: int
    rosh_level: RoshLevel
    mappa_category: int | None
    mappa_level: int | None
    custody_status: CustodyStatus
    offender_manager: OffenderManager | None
    #: the most recent release from custody (past or planned), from the sentences
    release_date: date | None
    release_type: ReleaseType | None
    #: the prison that latest release is (or will be) from
    release_establishment: str | None = None
    #: days between the decision to release and the release; None while undecided
    release_notice_days: int | None = None
    domestic_abuse_perpetrator: bool = False
    #: the next MAPPA review of the case; None outside MAPPA
    mappa_next_review: date | None = None


@dataclass(frozen=True)
class ProbationCriteria:
    mappa_levels: frozenset[int] | None = None
    ogrs_bands: frozenset[OgrsBand] | None = None
    released_from: date | None = None
    released_to: date | None = None
    #: the offence of the current order (the latest sentence) is in one of these groups
    offence_types: frozenset[OffenceType] | None = None
    #: the latest release from custody was of one of these types
    release_types: frozenset[ReleaseType] | None = None
    #: a referral on one of these pathways is still open
    open_referral_pathways: frozenset[Pathway] | None = None
    #: a licence condition is in force on this day (started on or before it, not ended before it)
    licence_conditions_in_force_on: date | None = None

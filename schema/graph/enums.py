"""The agencies' code lists, exposed as GraphQL enums."""

import strawberry

from connectors.housing.records import AccommodationStatus, DutyStage, PlacementKind
from connectors.police.records import ArrestOutcome, HandlingCode, IomCohort
from connectors.probation.records import (
    CustodyStatus,
    LicenceConditionKind,
    Pathway,
    ReleaseType,
    RoshLevel,
    SentenceKind,
)
from connectors.treatment.records import RequirementKind, Substance
from hub.core.identifiers import IdentifierScheme
from hub.core.ogrs import OgrsBand

for enum_class, description in (
    (IomCohort, "IOM cohort: fixed (statutory), flex (local priority crime types), free (partner-nominated)"),
    (ArrestOutcome, "Custody outcome of an arrest"),
    (HandlingCode, "3x5x2 handling code: P lawful sharing permitted, C conditions apply"),
    (RoshLevel, "Risk of serious harm level (OASys)"),
    (CustodyStatus, "Where the person is under probation supervision"),
    (OgrsBand, "OGRS band: LOW under 50%, MEDIUM 50-74%, HIGH 75% and over"),
    (SentenceKind, "Kind of sentence or order"),
    (ReleaseType, "How the person was or will be released from custody"),
    (LicenceConditionKind, "Kind of licence condition"),
    (Pathway, "The seven pathways to reducing reoffending"),
    (AccommodationStatus, "Accommodation status (NFA = no fixed abode)"),
    (DutyStage, "Homelessness Reduction Act 2017 duty stage"),
    (PlacementKind, "Kind of accommodation placement"),
    (Substance, "Main substance of a treatment episode"),
    (RequirementKind, "Court-ordered treatment requirement: drug, alcohol or mental health"),
    (IdentifierScheme, "An agency identifier scheme the person index links"),
):
    strawberry.enum(enum_class, description=description)

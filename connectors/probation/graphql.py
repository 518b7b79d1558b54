"""What probation shares: supervision, risk, release, licence conditions, sentences, referrals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import strawberry

from connectors.probation.records import (
    CustodyStatus,
    LicenceConditionKind,
    Offender,
    Pathway,
    ProbationCriteria,
    ReleaseType,
    RoshLevel,
    SentenceKind,
)
from hub.core.errors import BadUserInput
from hub.core.offences import OffenceType
from hub.core.ogrs import OgrsBand
from schema.governance.agency_graph import AgencyGraph, DateRange, PeopleFilterField, Reader
from schema.governance.context import Info
from schema.governance.enums import Borough
from schema.governance.governed import Released, Resolved, listed, shown

# The agency's code lists, as GraphQL enums.
for _code_list, _description in (
    (RoshLevel, "Risk of serious harm level (OASys)"),
    (CustodyStatus, "Where the person is under probation supervision"),
    (OgrsBand, "OGRS band: LOW under 50%, MEDIUM 50-74%, HIGH 75% and over"),
    (SentenceKind, "Kind of sentence or order"),
    (ReleaseType, "How the person was or will be released from custody"),
    (LicenceConditionKind, "Kind of licence condition"),
    (Pathway, "The seven pathways to reducing reoffending"),
):
    strawberry.enum(_code_list, description=_description)
if not hasattr(OffenceType, "__strawberry_definition__"):  # shared with police, which may declare it first
    strawberry.enum(OffenceType, description="Offence group, as the partnership scopes cohorts by offence")



@strawberry.type(description="The offender manager responsible for the case")
class OffenderManager:
    name: str
    team: str
    borough: Borough
    email: str
    phone: str


@strawberry.type(description="A licence condition and the days it is in force")
class LicenceCondition:
    kind: LicenceConditionKind
    description: str
    starts_on: date = strawberry.field(description="The first day the condition is in force")
    ends_on: date | None = strawberry.field(description="The last day it is in force; null: not set")


@strawberry.type
class Sentence:
    kind: SentenceKind
    offence: str
    sentenced_on: date
    length_months: int
    release_date: date | None
    release_type: ReleaseType | None
    licence_end_date: date | None
    recalled_on: date | None
    breached_on: date | None


@strawberry.type(description="A referral on one of the seven pathways")
class Referral:
    pathway: Pathway
    referred_on: date
    open: bool


@strawberry.type(description="What the probation system holds, as far as the agreement releases it")
class ProbationRecord:
    crn: strawberry.Private[str]
    shown: strawberry.Private[Released]
    custody_status: CustodyStatus | None
    tier: str | None
    offender_manager: OffenderManager | None
    ogrs_score: int | None = strawberry.field(description="OGRS: two-year proven reoffending probability, %")
    ogrs_band: OgrsBand | None
    rosh_level: RoshLevel | None
    mappa_category: int | None
    mappa_level: int | None
    release_date: date | None = strawberry.field(description="Latest release from custody, past or planned")
    release_type: ReleaseType | None
    release_establishment: str | None = strawberry.field(
        description="The prison the latest release is (or will be) from")
    release_notice_days: int | None = strawberry.field(
        description="Days between the decision to release and the latest release; null while undecided")
    domestic_abuse_perpetrator: bool | None = strawberry.field(
        description="Registered as a domestic-abuse perpetrator")
    next_review_date: date | None = strawberry.field(
        description="The next MAPPA review of the case (level 1: quarterly); null outside MAPPA")

    @strawberry.field(description="Licence conditions, each with the first and last day it is in force",
                      graphql_type=list[LicenceCondition] | None)
    def licence_conditions(self, info: Info) -> Resolved[list[LicenceCondition] | None]:
        return listed(info, "probation", "licenceConditions", self.shown, self.crn)

    @strawberry.field(description="Sentences and orders, newest first", graphql_type=list[Sentence] | None)
    def sentences(self, info: Info) -> Resolved[list[Sentence] | None]:
        return listed(info, "probation", "sentences", self.shown, self.crn)

    @strawberry.field(graphql_type=list[Referral] | None)
    def referrals(self, info: Info) -> Resolved[list[Referral] | None]:
        return listed(info, "probation", "referrals", self.shown, self.crn)


def build_probation(o: Offender, names: Released, reader: Reader) -> ProbationRecord:
    om = o.offender_manager
    return ProbationRecord(
        crn=o.crn,
        shown=names,
        custody_status=shown(names, "custodyStatus", o.custody_status),
        tier=shown(names, "tier", o.tier),
        offender_manager=shown(names, "offenderManager",
                               OffenderManager(name=om.name, team=om.team, borough=Borough(om.borough), email=om.email,
                                               phone=om.phone) if om else None),
        ogrs_score=shown(names, "ogrsScore", o.ogrs_score),
        ogrs_band=shown(names, "ogrsBand", OgrsBand.of(o.ogrs_score)),
        rosh_level=shown(names, "roshLevel", o.rosh_level),
        mappa_category=shown(names, "mappaCategory", o.mappa_category),
        mappa_level=shown(names, "mappaLevel", o.mappa_level),
        release_date=shown(names, "releaseDate", o.release_date),
        release_type=shown(names, "releaseType", o.release_type),
        release_establishment=shown(names, "releaseEstablishment", o.release_establishment),
        release_notice_days=shown(names, "releaseNoticeDays", o.release_notice_days),
        domestic_abuse_perpetrator=shown(names, "domesticAbusePerpetrator", o.domestic_abuse_perpetrator),
        next_review_date=shown(names, "nextReviewDate", o.mappa_next_review),
    )


FILTERS = (
    PeopleFilterField("mappaLevels", list[int] | None, "ProbationRecord.mappaLevel"),
    PeopleFilterField("ogrsBands", list[OgrsBand] | None, "ProbationRecord.ogrsBand"),
    PeopleFilterField("releasedBetween", DateRange | None, "ProbationRecord.releaseDate",
                      "Release from custody (probation) within this range"),
    PeopleFilterField("offenceTypes", list[OffenceType] | None, "ProbationRecord.sentences",
                      "Offence group of the current order, the latest sentence (probation)"),
    PeopleFilterField("releaseTypes", list[ReleaseType] | None, "ProbationRecord.releaseType",
                      "Type of the latest release from custody, past or planned (probation)"),
    PeopleFilterField("openReferralPathways", list[Pathway] | None, "ProbationRecord.referrals",
                      "A referral on one of these pathways still open (probation)"),
    PeopleFilterField("licenceConditionsInForceOn", date | None, "ProbationRecord.licenceConditions",
                      "A licence condition in force on this day: started on or before it, not ended before it "
                      "(probation)", unmasked=True),
)
MAPPA_LEVELS = frozenset({1, 2, 3})


def criteria(values: Mapping[str, Any]) -> ProbationCriteria | None:
    levels, bands, released = values.get("mappaLevels"), values.get("ogrsBands"), values.get("releasedBetween")
    if levels is not None and not set(levels) <= MAPPA_LEVELS:
        raise BadUserInput("MAPPA levels are 1, 2 or 3", argument="filter")
    if released is not None and released.from_ and released.to and released.from_ > released.to:
        raise BadUserInput("releasedBetween: `from` is after `to`", argument="filter")
    found = ProbationCriteria(frozenset(levels) if levels is not None else None,
                              frozenset(bands) if bands is not None else None,
                              released.from_ if released else None, released.to if released else None,
                              offence_types=_set(values.get("offenceTypes")),
                              release_types=_set(values.get("releaseTypes")),
                              open_referral_pathways=_set(values.get("openReferralPathways")),
                              licence_conditions_in_force_on=values.get("licenceConditionsInForceOn"))
    return None if found == ProbationCriteria() else found


def _set(values: Iterable[Any] | None) -> frozenset[Any] | None:
    return frozenset(values) if values is not None else None


GRAPH = AgencyGraph(ProbationRecord, build_probation, filters=FILTERS, criteria=criteria)

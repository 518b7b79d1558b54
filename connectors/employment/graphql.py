"""What the employment service shares: employment status, adviser, outcomes after release, ETE, jobs."""

from __future__ import annotations

from datetime import date

import strawberry

from connectors.employment.records import EmploymentClient, EmploymentStatus, EteKind, EteReferralStatus
from schema.governance.agency_graph import AgencyGraph, Reader
from schema.governance.context import Info
from schema.governance.governed import Released, Resolved, listed, shown

# The agency's code lists, as GraphQL enums.
for _code_list, _description in (
    (EmploymentStatus, "Employment status as the employment service records it"),
    (EteKind, "Education, training or employment: the seventh pathway to reducing reoffending"),
    (EteReferralStatus, "Where an ETE referral stands: open, started (the person began), closed"),
):
    strawberry.enum(_code_list, description=_description)


@strawberry.type(description="The employment adviser (work coach) responsible for the person")
class EmploymentAdviser:
    name: str
    office: str
    phone: str


@strawberry.type(description="A referral to education, training or employment and whether it started")
class EteReferral:
    kind: EteKind
    referred_on: date
    started_on: date | None
    status: EteReferralStatus


@strawberry.type(description="A job the person started, and when it ended")
class Job:
    employer: str
    starts_on: date
    ends_on: date | None
    hours_per_week: int


@strawberry.type(description="What the employment and skills service holds, as far as the agreement releases it")
class EmploymentRecord:
    ni_number: strawberry.Private[str]
    shown: strawberry.Private[Released]
    employment_status: EmploymentStatus | None
    status_since: date | None
    adviser: EmploymentAdviser | None
    released_on: date | None = strawberry.field(
        description="Release from custody as the service's prison work coach recorded it")
    employed_six_weeks_after_release: bool | None = strawberry.field(
        description="In work six weeks after that release; null until six weeks have passed")
    employed_six_months_after_release: bool | None = strawberry.field(
        description="In work six months after that release; null until six months have passed")

    @strawberry.field(description="Referrals to education, training and employment, newest first",
                      graphql_type=list[EteReferral] | None)
    def ete_referrals(self, info: Info) -> Resolved[list[EteReferral] | None]:
        return listed(info, "employment", "eteReferrals", self.shown, self.ni_number)

    @strawberry.field(description="Jobs, the latest start first", graphql_type=list[Job] | None)
    def jobs(self, info: Info) -> Resolved[list[Job] | None]:
        return listed(info, "employment", "jobs", self.shown, self.ni_number)


def build_employment(c: EmploymentClient, names: Released, reader: Reader) -> EmploymentRecord:
    a = c.adviser
    return EmploymentRecord(
        ni_number=c.ni_number,
        shown=names,
        employment_status=shown(names, "employmentStatus", c.status),
        status_since=shown(names, "statusSince", c.status_since),
        adviser=shown(names, "adviser", EmploymentAdviser(name=a.name, office=a.office, phone=a.phone) if a else None),
        released_on=shown(names, "releasedOn", c.released_on),
        employed_six_weeks_after_release=shown(names, "employedSixWeeksAfterRelease",
                                               c.employed_six_weeks_after_release),
        employed_six_months_after_release=shown(names, "employedSixMonthsAfterRelease",
                                                c.employed_six_months_after_release),
    )


GRAPH = AgencyGraph(EmploymentRecord, build_employment)

"""What drug and alcohol treatment shares: engagement for partners; clinical detail stays in treatment."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from connectors.treatment.records import AppointmentKind, RequirementKind, Substance, TreatmentClient
from schema.governance.agency_graph import AgencyGraph, Reader
from schema.governance.context import Info
from schema.governance.governed import Released, Resolved, listed, shown

# The agency's code lists, as GraphQL enums.
for _code_list, _description in (
    (Substance, "Main substance of a treatment episode"),
    (RequirementKind, "Court-ordered treatment requirement: drug, alcohol or mental health"),
    (AppointmentKind, "What a treatment appointment is for"),
):
    strawberry.enum(_code_list, description=_description)



@strawberry.type
class TreatmentEpisode:
    substance: Substance
    started_on: date
    ended_on: date | None
    discharge_reason: str | None


@strawberry.type(description="Opioid substitution treatment prescription")
class OstPrescription:
    medication: str
    daily_dose_mg: int
    prescriber: str
    started_on: date
    ended_on: date | None


@strawberry.type
class TreatmentRequirement:
    kind: RequirementKind
    starts_on: date
    ends_on: date | None


# The treatment system's own appointment records serve as this type (no copy): ``kind`` reads their stored value.
@strawberry.type(description="A treatment appointment")
class Appointment:
    scheduled_at: datetime
    kind: AppointmentKind = strawberry.field(resolver=lambda root: AppointmentKind(root.kind),
                                             description="What the appointment is for")
    attended: bool | None


@strawberry.type(description="A recorded consent to tell an agency of treatment engagement")
class Consent:
    share_with: str
    recorded_on: date
    withdrawn_on: date | None


@strawberry.type(description="What the treatment service holds, as far as the agreement releases it")
class TreatmentRecord:
    nhs_number: strawberry.Private[str]
    shown: strawberry.Private[Released]
    engaged: bool | None = strawberry.field(description="In an open treatment episode now (yes/no only)")
    service: str | None
    engaged_within_21_days_of_release: bool | None = strawberry.field(
        description="Started an episode or attended an appointment within 21 days after the latest release "
                    "from custody, as prison healthcare handed it over (yes/no only); null when there was no "
                    "release or 21 days have not passed")

    @strawberry.field(graphql_type=list[TreatmentEpisode] | None)
    def episodes(self, info: Info) -> Resolved[list[TreatmentEpisode] | None]:
        return listed(info, "treatment", "episodes", self.shown, self.nhs_number)

    @strawberry.field(graphql_type=list[OstPrescription] | None)
    def ost_prescriptions(self, info: Info) -> Resolved[list[OstPrescription] | None]:
        return listed(info, "treatment", "ostPrescriptions", self.shown, self.nhs_number)

    @strawberry.field(graphql_type=list[TreatmentRequirement] | None)
    def requirements(self, info: Info) -> Resolved[list[TreatmentRequirement] | None]:
        return listed(info, "treatment", "requirements", self.shown, self.nhs_number)

    @strawberry.field(graphql_type=list[Appointment] | None)
    def appointments(self, info: Info) -> Resolved[list[Appointment] | None]:
        return listed(info, "treatment", "appointments", self.shown, self.nhs_number)

    @strawberry.field(graphql_type=list[Consent] | None)
    def consents(self, info: Info) -> Resolved[list[Consent] | None]:
        return listed(info, "treatment", "consents", self.shown, self.nhs_number)


def build_treatment(c: TreatmentClient, names: Released, reader: Reader) -> TreatmentRecord:
    return TreatmentRecord(
        nhs_number=c.nhs_number,
        shown=names,
        engaged=shown(names, "engaged", c.engaged),
        service=shown(names, "service", c.service),
        engaged_within_21_days_of_release=shown(names, "engagedWithin21DaysOfRelease",
                                                c.engaged_within_21_days_of_release),
    )


GRAPH = AgencyGraph(TreatmentRecord, build_treatment, consent_of=lambda c: c.consent_to_share_with)

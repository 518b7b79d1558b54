"""What drug and alcohol treatment shares: engagement for partners; clinical detail stays in treatment."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from connectors.treatment.records import RequirementKind, Substance, TreatmentClient
from schema.context import Info
from schema.types.governed import shown


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


@strawberry.type
class Appointment:
    scheduled_at: datetime
    kind: str
    attended: bool | None


@strawberry.type(description="A recorded consent to tell an agency of treatment engagement")
class Consent:
    share_with: str
    recorded_on: date
    withdrawn_on: date | None


@strawberry.type(description="What the treatment service holds, as far as the agreement releases it")
class TreatmentRecord:
    nhs_number: strawberry.Private[str]
    shown: strawberry.Private[frozenset[str]]
    engaged: bool | None = strawberry.field(description="In an open treatment episode now (yes/no only)")
    service: str | None

    @strawberry.field
    async def episodes(self, info: Info) -> list[TreatmentEpisode] | None:
        if "episodes" not in self.shown:
            return None
        return await info.context.loaders.episodes.load(self.nhs_number)  # type: ignore[return-value]

    @strawberry.field
    async def ost_prescriptions(self, info: Info) -> list[OstPrescription] | None:
        if "ostPrescriptions" not in self.shown:
            return None
        return await info.context.loaders.ost_prescriptions.load(self.nhs_number)  # type: ignore[return-value]

    @strawberry.field
    async def requirements(self, info: Info) -> list[TreatmentRequirement] | None:
        if "requirements" not in self.shown:
            return None
        return await info.context.loaders.requirements.load(self.nhs_number)  # type: ignore[return-value]

    @strawberry.field
    async def appointments(self, info: Info) -> list[Appointment] | None:
        if "appointments" not in self.shown:
            return None
        return await info.context.loaders.appointments.load(self.nhs_number)  # type: ignore[return-value]

    @strawberry.field
    async def consents(self, info: Info) -> list[Consent] | None:
        if "consents" not in self.shown:
            return None
        return await info.context.loaders.consents.load(self.nhs_number)  # type: ignore[return-value]


def build_treatment(c: TreatmentClient, names: frozenset[str]) -> TreatmentRecord:
    return TreatmentRecord(
        nhs_number=c.nhs_number,
        shown=names,
        engaged=shown(names, "engaged", c.engaged),
        service=shown(names, "service", c.service),
    )

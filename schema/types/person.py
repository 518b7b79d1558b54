"""A person as the hub knows them: the linked identity and one record per agency."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from hub.index.store import IndexedPerson
from policies.masks import initials
from schema.context import Info
from schema.types.governed import governed_record, shown
from schema.types.housing import HousingRecord, build_housing
from schema.types.police import PoliceRecord, build_police
from schema.types.probation import ProbationRecord, build_probation
from schema.types.treatment import TreatmentRecord, build_treatment

TRANSFORMS = {"initials": initials}


@strawberry.type(description="Agency identifiers linked to the person, as far as the agreement releases them")
class Identifiers:
    pnc_id: str | None = strawberry.field(description="Police National Computer ID, YYYY/NNNNNNNC")
    cro_number: str | None = strawberry.field(description="Criminal Records Office number, NNNNNN/YYC")
    crn: str | None = strawberry.field(description="Probation case reference number")
    prison_number: str | None
    nhs_number: str | None
    housing_reference: str | None


def _identifiers(links: dict[str, str], names: frozenset[str]) -> Identifiers:
    return Identifiers(**{
        python: shown(names, scheme, links.get(scheme))
        for python, scheme in (("pnc_id", "pncId"), ("cro_number", "croNumber"), ("crn", "crn"),
                               ("prison_number", "prisonNumber"), ("nhs_number", "nhsNumber"),
                               ("housing_reference", "housingReference"))
    })


async def _absent() -> None:
    return None


@strawberry.type(description="One person across the partnership's four agency systems")
class Person:
    id: strawberry.ID = strawberry.field(description="Hub person id: opaque, not an agency identifier")
    p: strawberry.Private[IndexedPerson]

    async def _scalar(self, info: Info, value: Any) -> Any:
        gate = info.context.gate
        raw = info._raw_info
        verdicts = await gate.judge("Person", self.p.person_id, ((info.field_name, str(raw.path.key)),))
        gate.record(raw, self.p.person_id, verdicts, scalar=True)
        v = verdicts[0]
        if not v.show:
            return None
        return TRANSFORMS[v.transform](value) if v.transform else value

    @strawberry.field(description="Full name (initials where only the existence of a record may be shown)")
    async def name(self, info: Info) -> str | None:
        result: str | None = await self._scalar(info, self.p.name)
        return result

    @strawberry.field
    async def date_of_birth(self, info: Info) -> date | None:
        result: date | None = await self._scalar(info, self.p.date_of_birth)
        return result

    @strawberry.field(description="Year of birth: released where the full date of birth is masked")
    async def birth_year(self, info: Info) -> int | None:
        result: int | None = await self._scalar(info, self.p.date_of_birth.year)
        return result

    @strawberry.field
    async def identifiers(self, info: Info) -> Identifiers | None:
        async def links() -> dict[str, str]:
            return self.p.links

        return await governed_record(info, "Identifiers", self.p.person_id, links, _identifiers)

    @strawberry.field(description="Police (PNC, custody, intelligence)")
    async def police(self, info: Info) -> PoliceRecord | None:
        key = self.p.links.get("pncId")
        load = info.context.loaders.nominal.load
        return await governed_record(
            info, "PoliceRecord", self.p.person_id, (lambda: load(key)) if key else _absent,
            build_police(self.p.person_id, info.context.caller.agency if info.context.gate.plan else None),
        )

    @strawberry.field(description="Probation (case management, assessments, prison data)")
    async def probation(self, info: Info) -> ProbationRecord | None:
        key = self.p.links.get("crn")
        load = info.context.loaders.offender.load
        return await governed_record(info, "ProbationRecord", self.p.person_id,
                                     (lambda: load(key)) if key else _absent, build_probation)

    @strawberry.field(description="Local-authority housing options")
    async def housing(self, info: Info) -> HousingRecord | None:
        key = self.p.links.get("housingReference")
        load = info.context.loaders.housing_client.load
        return await governed_record(info, "HousingRecord", self.p.person_id,
                                     (lambda: load(key)) if key else _absent, build_housing)

    @strawberry.field(description="Drug and alcohol treatment")
    async def treatment(self, info: Info) -> TreatmentRecord | None:
        key = self.p.links.get("nhsNumber")
        load = info.context.loaders.treatment_client.load
        return await governed_record(info, "TreatmentRecord", self.p.person_id,
                                     (lambda: load(key)) if key else _absent, build_treatment,
                                     consent_of=lambda c: c.consent_to_share_with)


def person_of(p: IndexedPerson) -> Person:
    return Person(id=strawberry.ID(p.person_id), p=p)

"""A person as the hub knows them: the linked identity and one record per agency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from connectors.housing.graphql import HousingRecord, build_housing
from connectors.police.graphql import PoliceRecord, build_police
from connectors.probation.graphql import ProbationRecord, build_probation
from connectors.treatment.graphql import TreatmentRecord, build_treatment
from hub.services.index.store import IndexedPerson
from schema.governance.agency_records import RECORDS
from schema.governance.context import Info
from schema.governance.gate import Verdict
from schema.governance.governed import Held, Resolved, governed_record, held, judged, shown
from schema.governance.release import Released, transformed
from schema.governance.strawberry_adapter import resolve_info

R = TypeVar("R")
T = TypeVar("T")


@strawberry.type(description="Agency identifiers linked to the person, as far as the agreement releases them")
class Identifiers:
    pnc_id: str | None = strawberry.field(description="Police National Computer ID, YYYY/NNNNNNNC")
    cro_number: str | None = strawberry.field(description="Criminal Records Office number, NNNNNN/YYC")
    crn: str | None = strawberry.field(description="Probation case reference number")
    prison_number: str | None
    nhs_number: str | None
    housing_reference: str | None


def _identifiers(links: dict[str, str], names: Released) -> Identifiers:
    return Identifiers(**{
        python: shown(names, scheme, links.get(scheme))
        for python, scheme in (("pnc_id", "pncId"), ("cro_number", "croNumber"), ("crn", "crn"),
                               ("prison_number", "prisonNumber"), ("nhs_number", "nhsNumber"),
                               ("housing_reference", "housingReference"))
    })


async def _absent() -> None:
    return None


#: A person with no identifier in an agency's scheme has no record there, and that is known at once.
NO_RECORD: Held[None] = Held(None)


@strawberry.type(description="One person across the partnership's four agency systems")
class Person:
    id: strawberry.ID = strawberry.field(description="Hub person id: opaque, not an agency identifier")
    p: strawberry.Private[IndexedPerson]

    def _scalar(self, info: Info, value: Any) -> Resolved[Any]:
        pairs = ((info.field_name, str(resolve_info(info).path.key)),)
        return judged(info.context.gate, "Person", self.p.person_id, pairs,
                      lambda verdicts: self._shown(info, verdicts, value))

    def _shown(self, info: Info, verdicts: list[Verdict], value: Any) -> Any:
        info.context.gate.record(resolve_info(info), self.p.person_id, verdicts, scalar=True)
        v = verdicts[0]
        if not v.show:
            return None
        return transformed(v.transform, value)

    @strawberry.field(description="Full name (initials where only the existence of a record may be shown)",
                      graphql_type=str | None)
    def name(self, info: Info) -> Resolved[str | None]:
        return self._scalar(info, self.p.name)

    @strawberry.field(graphql_type=date | None)
    def date_of_birth(self, info: Info) -> Resolved[date | None]:
        return self._scalar(info, self.p.date_of_birth)

    @strawberry.field(description="Year of birth: released where the full date of birth is masked",
                      graphql_type=int | None)
    def birth_year(self, info: Info) -> Resolved[int | None]:
        return self._scalar(info, self.p.date_of_birth.year)

    @strawberry.field(graphql_type=Identifiers | None)
    def identifiers(self, info: Info) -> Resolved[Identifiers | None]:
        async def links() -> dict[str, str]:
            return self.p.links

        return governed_record(info, "Identifiers", self.p.person_id, Held(self.p.links), links, _identifiers)

    def _agency(self, info: Info, field: str, build: Callable[[R, Released], T],
                consent_of: Callable[[R], frozenset[str]] | None = None) -> Resolved[T | None]:
        record = RECORDS[field]
        key = self.p.links.get(record.scheme)
        if key is None:
            return governed_record(info, record.type_name, self.p.person_id, NO_RECORD, _absent, build, consent_of)
        loader: DataLoader[str, R | None] = getattr(info.context.loaders, record.loader)
        return governed_record(info, record.type_name, self.p.person_id, held(loader, key),
                               lambda: loader.load(key), build, consent_of)

    @strawberry.field(description="Police (PNC, custody, intelligence)", graphql_type=PoliceRecord | None)
    def police(self, info: Info) -> Resolved[PoliceRecord | None]:
        build = build_police(self.p.person_id, info.context.caller.agency if info.context.gate.plan else None)
        return self._agency(info, "police", build)

    @strawberry.field(description="Probation (case management, assessments, prison data)",
                      graphql_type=ProbationRecord | None)
    def probation(self, info: Info) -> Resolved[ProbationRecord | None]:
        return self._agency(info, "probation", build_probation)

    @strawberry.field(description="Local-authority housing options", graphql_type=HousingRecord | None)
    def housing(self, info: Info) -> Resolved[HousingRecord | None]:
        return self._agency(info, "housing", build_housing)

    @strawberry.field(description="Drug and alcohol treatment", graphql_type=TreatmentRecord | None)
    def treatment(self, info: Info) -> Resolved[TreatmentRecord | None]:
        return self._agency(info, "treatment", build_treatment, consent_of=lambda c: c.consent_to_share_with)


def person_of(p: IndexedPerson) -> Person:
    return Person(id=strawberry.ID(p.person_id), p=p)

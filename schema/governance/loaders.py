"""Per-request DataLoaders: every agency lookup of a query is batched by agency identifier."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry.trace import Tracer
from strawberry.dataloader import DataLoader

from connectors.housing.records import DutyToRefer, HousingClient, Placement
from connectors.police.records import Arrest, IntelligenceReport, Nominal, WarningMarker
from connectors.probation.records import LicenceCondition, Offender, Referral, Sentence
from connectors.treatment.records import (
    Appointment,
    Consent,
    Episode,
    OstPrescription,
    TreatmentClient,
    TreatmentRequirement,
)
from hub.core import telemetry
from hub.core.telemetry import instruments
from hub.services.agencies import Agencies
from hub.services.index.store import IndexedPerson
from hub.services.people import PeopleService

T = TypeVar("T")

Fetch = Callable[[Iterable[str]], Awaitable[dict[str, Any]]]


def _traced(fetch: Fetch, tracer: Tracer | None) -> Fetch:
    """One span per batch (agency, record kind, how many keys): a 200-person page is a few spans."""
    if tracer is None:
        return fetch
    owner = getattr(fetch, "__self__", None)
    agency = getattr(owner, "agency", "index")
    kind = getattr(fetch, "__name__", "records")

    async def traced(keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        with telemetry.span(f"load {agency}.{kind}", {"hub.agency": agency, "hub.records": kind,
                                                     "hub.keys": len(keys)}, within=tracer) as span:
            started = time.perf_counter()
            found = await fetch(keys)
            instruments().connector_duration.record((time.perf_counter() - started) * 1000,
                                                    {"hub.agency": agency, "hub.records": kind})
            span.set_attribute("hub.found", len(found))
            return found

    return traced


def _one(fetch: Callable[[Iterable[str]], Awaitable[dict[str, T]]], tracer: Tracer | None
         ) -> DataLoader[str, T | None]:
    run = _traced(fetch, tracer)

    async def load(keys: list[str]) -> Sequence[T | None]:
        found = await run(keys)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _many(fetch: Callable[[Iterable[str]], Awaitable[dict[str, list[T]]]], tracer: Tracer | None
          ) -> DataLoader[str, list[T]]:
    run = _traced(fetch, tracer)

    async def load(keys: list[str]) -> Sequence[list[T]]:
        found = await run(keys)
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)

@dataclass
class Loaders:
    person: DataLoader[str, IndexedPerson | None]
    nominal: DataLoader[str, Nominal | None]
    arrests: DataLoader[str, list[Arrest]]
    intelligence: DataLoader[str, list[IntelligenceReport]]
    warning_markers: DataLoader[str, list[WarningMarker]]
    offender: DataLoader[str, Offender | None]
    sentences: DataLoader[str, list[Sentence]]
    licence_conditions: DataLoader[str, list[LicenceCondition]]
    referrals: DataLoader[str, list[Referral]]
    housing_client: DataLoader[str, HousingClient | None]
    duty_to_refer: DataLoader[str, list[DutyToRefer]]
    placements: DataLoader[str, list[Placement]]
    treatment_client: DataLoader[str, TreatmentClient | None]
    episodes: DataLoader[str, list[Episode]]
    ost_prescriptions: DataLoader[str, list[OstPrescription]]
    requirements: DataLoader[str, list[TreatmentRequirement]]
    appointments: DataLoader[str, list[Appointment]]
    consents: DataLoader[str, list[Consent]]

    @classmethod
    def create(cls, people: PeopleService, agencies: Agencies, tracer: Tracer | None = None) -> Loaders:
        p, pr, h, t = agencies.police, agencies.probation, agencies.housing, agencies.treatment
        return cls(
            person=_one(people.index.get_many, tracer),
            nominal=_one(p.nominals, tracer),
            arrests=_many(p.arrests, tracer),
            intelligence=_many(p.intelligence, tracer),
            warning_markers=_many(p.warning_markers, tracer),
            offender=_one(pr.offenders, tracer),
            sentences=_many(pr.sentences, tracer),
            licence_conditions=_many(pr.licence_conditions, tracer),
            referrals=_many(pr.referrals, tracer),
            housing_client=_one(h.clients, tracer),
            duty_to_refer=_many(h.duty_to_refer, tracer),
            placements=_many(h.placements, tracer),
            treatment_client=_one(t.clients, tracer),
            episodes=_many(t.episodes, tracer),
            ost_prescriptions=_many(t.ost_prescriptions, tracer),
            requirements=_many(t.requirements, tracer),
            appointments=_many(t.appointments, tracer),
            consents=_many(t.consents, tracer),
        )

    def prime_people(self, people: Iterable[IndexedPerson]) -> None:
        for person in people:
            self.person.prime(person.person_id, person)

__all__: list[Any] = []

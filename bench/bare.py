"""The comparison points: a bare Strawberry schema and a plain Starlette JSON endpoint.

The bare schema answers the benchmark's queries from the same databases with what a competent
developer would write without the hub: SQLAlchemy Core queries on the agencies' tables, a
DataLoader per table, no connectors, policy, audit, tracing, guards or error shaping. Its field
names match the hub's so the same query text runs on both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy import Table, exists, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader

import connectors.registry  # noqa: F401  (the agencies' code lists as GraphQL enums, as the hub has them)
from connectors.housing import tables as ht
from connectors.housing.records import AccommodationStatus
from connectors.police import tables as pt
from connectors.police.records import IomCohort
from connectors.probation import tables as prt
from connectors.treatment import tables as tt
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.services.index import tables as it
from schema.graph.schemes import IdentifierScheme


@dataclass
class Stores:
    index: AsyncEngine
    police: AsyncEngine
    probation: AsyncEngine
    housing: AsyncEngine
    treatment: AsyncEngine

    @classmethod
    def open(cls, settings: Settings) -> Stores:
        u = {name: settings.agency_url(name) for name in ("police", "probation", "housing", "treatment")}
        return cls(create_engine(settings.index_url), create_engine(u["police"]), create_engine(u["probation"]),
                   create_engine(u["housing"]), create_engine(u["treatment"]))

    def all(self) -> dict[str, AsyncEngine]:
        return dict(self.__dict__)

    async def close(self) -> None:
        for engine in self.all().values():
            await engine.dispose()


async def _rows(engine: AsyncEngine, stmt: Any) -> Sequence[Any]:
    async with engine.connect() as conn:
        return (await conn.execute(stmt)).mappings().all()


def _loader(engine: AsyncEngine, table: Table, key: str, many: bool) -> DataLoader[str, Any]:
    async def load(keys: list[str]) -> list[Any]:
        rows = await _rows(engine, select(table).where(table.c[key].in_(keys)))
        if many:
            grouped: dict[str, list[Any]] = defaultdict(list)
            for r in rows:
                grouped[r[key]].append(r)
            return [grouped.get(k, []) for k in keys]
        one = {r[key]: r for r in rows}
        return [one.get(k) for k in keys]

    return DataLoader(load_fn=load)


@strawberry.type
class Arrest:
    arrested_at: datetime
    offence_code: str
    offence: str
    custody_suite: str
    outcome: str


@strawberry.type
class LicenceCondition:
    kind: str
    description: str
    starts_on: date
    ends_on: date | None


@strawberry.type
class Referral:
    pathway: str
    referred_on: date
    open: bool


@strawberry.type
class OffenderManager:
    name: str
    team: str
    email: str
    phone: str


@strawberry.type
class Identifiers:
    pnc_id: str | None
    cro_number: str | None
    crn: str | None
    prison_number: str | None
    nhs_number: str | None
    housing_reference: str | None


@strawberry.type
class PoliceRecord:
    pnc_id: strawberry.Private[str]
    iom_cohort: str | None

    @strawberry.field
    async def arrests(self, info: strawberry.Info, since: datetime | None = None) -> list[Arrest]:
        rows = await info.context["arrests"].load(self.pnc_id)
        return [Arrest(arrested_at=r["arrested_at"], offence_code=r["offence_code"], offence=r["offence"],
                       custody_suite=r["custody_suite"], outcome=r["outcome"])
                for r in sorted(rows, key=lambda r: r["arrested_at"], reverse=True)
                if since is None or r["arrested_at"] >= since]


@strawberry.type
class ProbationRecord:
    crn: strawberry.Private[str]
    om_code: strawberry.Private[str | None]
    tier: str
    ogrs_score: int
    rosh_level: str
    mappa_level: int | None
    custody_status: str

    @strawberry.field
    async def release_date(self, info: strawberry.Info) -> date | None:
        rows = await info.context["sentences"].load(self.crn)
        dates = [r["release_date"] for r in rows if r["release_date"] is not None]
        return max(dates) if dates else None

    @strawberry.field
    async def licence_conditions(self, info: strawberry.Info) -> list[LicenceCondition]:
        rows = await info.context["licence_conditions"].load(self.crn)
        return [LicenceCondition(kind=r["kind"], description=r["description"], starts_on=r["starts_on"],
                                 ends_on=r["ends_on"]) for r in rows]

    @strawberry.field
    async def referrals(self, info: strawberry.Info) -> list[Referral]:
        rows = await info.context["referrals"].load(self.crn)
        return [Referral(pathway=r["pathway"], referred_on=r["referred_on"], open=r["open"]) for r in rows]

    @strawberry.field
    async def offender_manager(self, info: strawberry.Info) -> OffenderManager | None:
        if self.om_code is None:
            return None
        r = await info.context["offender_manager"].load(self.om_code)
        return OffenderManager(name=r["name"], team=r["team"], email=r["email"], phone=r["phone"]) if r else None


@strawberry.type
class HousingRecord:
    borough: str
    accommodation_status: str
    duty_stage: str
    postcode: str | None


@strawberry.type
class TreatmentRecord:
    engaged: bool
    service: str


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    date_of_birth: date
    links: strawberry.Private[dict[str, str]]

    @strawberry.field
    def identifiers(self) -> Identifiers:
        g = self.links.get
        return Identifiers(pnc_id=g("pncId"), cro_number=g("croNumber"), crn=g("crn"),
                           prison_number=g("prisonNumber"), nhs_number=g("nhsNumber"),
                           housing_reference=g("housingReference"))

    @strawberry.field
    async def police(self, info: strawberry.Info) -> PoliceRecord | None:
        key = self.links.get("pncId")
        r = await info.context["nominal"].load(key) if key else None
        return PoliceRecord(pnc_id=r["pnc_id"], iom_cohort=r["iom_cohort"]) if r else None

    @strawberry.field
    async def probation(self, info: strawberry.Info) -> ProbationRecord | None:
        key = self.links.get("crn")
        r = await info.context["offender"].load(key) if key else None
        if r is None:
            return None
        return ProbationRecord(crn=r["crn"], om_code=r["offender_manager_code"], tier=r["tier"],
                               ogrs_score=r["ogrs_score"], rosh_level=r["rosh_level"], mappa_level=r["mappa_level"],
                               custody_status=r["custody_status"])

    @strawberry.field
    async def housing(self, info: strawberry.Info) -> HousingRecord | None:
        key = self.links.get("housingReference")
        r = await info.context["housing_client"].load(key) if key else None
        return HousingRecord(borough=r["borough"], accommodation_status=r["accommodation_status"],
                             duty_stage=r["duty_stage"], postcode=r["postcode"]) if r else None

    @strawberry.field
    async def treatment(self, info: strawberry.Info) -> TreatmentRecord | None:
        key = self.links.get("nhsNumber")
        r = await info.context["treatment_client"].load(key) if key else None
        return TreatmentRecord(engaged=bool(r["engaged"]), service=r["service"]) if r else None


@strawberry.type
class Edge:
    node: Person


@strawberry.type
class Connection:
    edges: list[Edge]


@strawberry.input
class PeopleFilter:
    iom_cohorts: list[IomCohort] | None = None
    boroughs: list[str] | None = None
    accommodation_statuses: list[AccommodationStatus] | None = None


async def _people(info: strawberry.Info, ids: Sequence[str]) -> list[Person]:
    stores: Stores = info.context["stores"]
    people = await _rows(stores.index, select(it.person).where(it.person.c.person_id.in_(ids)))
    links = await _rows(stores.index, select(it.person_link).where(it.person_link.c.person_id.in_(ids)))
    by_person: dict[str, dict[str, str]] = defaultdict(dict)
    for link in links:
        by_person[link["person_id"]][link["scheme"]] = link["value"]
    found = {p["person_id"]: p for p in people}
    return [Person(id=strawberry.ID(i), name=f"{found[i]['forenames']} {found[i]['surname']}",
                   date_of_birth=found[i]["date_of_birth"], links=by_person[i]) for i in ids if i in found]


async def _ids_for(stores: Stores, scheme: str, values: Sequence[str]) -> dict[str, str]:
    rows = await _rows(stores.index, select(it.person_link.c.value, it.person_link.c.person_id).where(
        it.person_link.c.scheme == scheme, it.person_link.c.value.in_(values)))
    return {r["value"]: r["person_id"] for r in rows}


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, info: strawberry.Info, id: strawberry.ID) -> Person | None:
        found = await _people(info, [str(id)])
        return found[0] if found else None

    @strawberry.field
    async def person_by_identifier(self, info: strawberry.Info, scheme: IdentifierScheme,
                                   value: str) -> Person | None:
        ids = await _ids_for(info.context["stores"], scheme.value, [value])
        found = await _people(info, list(ids.values()))
        return found[0] if found else None

    @strawberry.field
    async def people_by_identifiers(self, info: strawberry.Info, scheme: IdentifierScheme,
                                    values: list[str]) -> list[Person | None]:
        ids = await _ids_for(info.context["stores"], scheme.value, values)
        found = {p.id: p for p in await _people(info, list(ids.values()))}
        return [found.get(strawberry.ID(ids[v])) if v in ids else None for v in values]

    @strawberry.field
    async def people(self, info: strawberry.Info, first: int = 20, filter: PeopleFilter | None = None) -> Connection:
        stores: Stores = info.context["stores"]
        sets: list[set[str]] = []
        if filter and filter.iom_cohorts:
            pnc = [r["pnc_id"] for r in await _rows(stores.police, select(pt.nominal.c.pnc_id).where(
                pt.nominal.c.iom_cohort.in_([c.value for c in filter.iom_cohorts])))]
            sets.append(set((await _ids_for(stores, "pncId", pnc)).values()))
        if filter and (filter.boroughs or filter.accommodation_statuses):
            c = ht.housing_client
            stmt = select(c.c.housing_ref)
            if filter.boroughs:
                stmt = stmt.where(c.c.borough.in_(filter.boroughs))
            if filter.accommodation_statuses:
                stmt = stmt.where(c.c.accommodation_status.in_([s.value for s in filter.accommodation_statuses]))
            refs = [r["housing_ref"] for r in await _rows(stores.housing, stmt)]
            sets.append(set((await _ids_for(stores, "housingReference", refs)).values()))
        if sets:
            ids = sorted(set.intersection(*sets))[:first]
        else:
            ids = [r["person_id"] for r in await _rows(stores.index, select(it.person.c.person_id)
                                                        .order_by(it.person.c.person_id).limit(first))]
        return Connection(edges=[Edge(node=p) for p in await _people(info, ids)])


def _treatment_clients(engine: AsyncEngine) -> DataLoader[str, Any]:
    c, e = tt.treatment_client, tt.episode
    engaged = exists().where(e.c.nhs_number == c.c.nhs_number, e.c.ended_on.is_(None)).label("engaged")

    async def load(keys: list[str]) -> list[Any]:
        rows = await _rows(engine, select(c, engaged).where(c.c.nhs_number.in_(keys)))
        one = {r["nhs_number"]: r for r in rows}
        return [one.get(k) for k in keys]

    return DataLoader(load_fn=load)


def context_for(stores: Stores) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def make() -> dict[str, Any]:
        return {
            "stores": stores,
            "nominal": _loader(stores.police, pt.nominal, "pnc_id", many=False),
            "arrests": _loader(stores.police, pt.arrest, "pnc_id", many=True),
            "offender": _loader(stores.probation, prt.offender, "crn", many=False),
            "offender_manager": _loader(stores.probation, prt.offender_manager, "staff_code", many=False),
            "sentences": _loader(stores.probation, prt.sentence, "crn", many=True),
            "licence_conditions": _loader(stores.probation, prt.licence_condition, "crn", many=True),
            "referrals": _loader(stores.probation, prt.referral, "crn", many=True),
            "housing_client": _loader(stores.housing, ht.housing_client, "housing_ref", many=False),
            "treatment_client": _treatment_clients(stores.treatment),
        }

    return make


class BareGraphQL(GraphQL[dict[str, Any], None]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(strawberry.Schema(query=Query), graphql_ide=None)
        self._context = context_for(stores)

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return await self._context()


def bare_app(settings: Settings) -> tuple[Starlette, Stores]:
    stores = Stores.open(settings)
    return Starlette(routes=[Route("/graphql", BareGraphQL(stores), methods=["POST"])]), stores


def floor_app(settings: Settings) -> tuple[Starlette, Stores]:
    """The floor: the single-profile lookup as one hand-written JSON endpoint, no GraphQL at all."""
    stores = Stores.open(settings)

    async def one(engine: AsyncEngine, table: Table, key: str, value: str | None) -> Any:
        if value is None:
            return None
        rows = await _rows(engine, select(table).where(table.c[key] == value))
        return rows[0] if rows else None

    async def many(engine: AsyncEngine, table: Table, key: str, value: str) -> Sequence[Any]:
        return await _rows(engine, select(table).where(table.c[key] == value))

    async def profile(request: Request) -> JSONResponse:
        person_id = request.path_params["person_id"]
        p = await one(stores.index, it.person, "person_id", person_id)
        if p is None:
            return JSONResponse({"person": None})
        links = {r["scheme"]: r["value"] for r in await many(stores.index, it.person_link, "person_id", person_id)}
        out: dict[str, Any] = {"id": person_id, "name": f"{p['forenames']} {p['surname']}",
                               "dateOfBirth": p["date_of_birth"].isoformat(),
                               "identifiers": {k: links.get(k) for k in ("pncId", "crn", "nhsNumber",
                                                                         "housingReference")}}
        n = await one(stores.police, pt.nominal, "pnc_id", links.get("pncId"))
        out["police"] = n and {"iomCohort": n["iom_cohort"], "arrests": [
            {"arrestedAt": a["arrested_at"].isoformat(), "offence": a["offence"], "outcome": a["outcome"]}
            for a in await many(stores.police, pt.arrest, "pnc_id", n["pnc_id"])]}
        o = await one(stores.probation, prt.offender, "crn", links.get("crn"))
        if o is not None:
            sentences = await many(stores.probation, prt.sentence, "crn", o["crn"])
            releases = [s["release_date"] for s in sentences if s["release_date"]]
            om = await one(stores.probation, prt.offender_manager, "staff_code", o["offender_manager_code"])
            out["probation"] = {
                "tier": o["tier"], "ogrsScore": o["ogrs_score"], "roshLevel": o["rosh_level"],
                "mappaLevel": o["mappa_level"], "releaseDate": max(releases).isoformat() if releases else None,
                "licenceConditions": [{"kind": c["kind"], "description": c["description"]} for c in
                                      await many(stores.probation, prt.licence_condition, "crn", o["crn"])],
                "offenderManager": om and {"name": om["name"], "phone": om["phone"]}}
        else:
            out["probation"] = None
        h = await one(stores.housing, ht.housing_client, "housing_ref", links.get("housingReference"))
        out["housing"] = h and {"borough": h["borough"], "accommodationStatus": h["accommodation_status"],
                                "dutyStage": h["duty_stage"]}
        t = await one(stores.treatment, tt.treatment_client, "nhs_number", links.get("nhsNumber"))
        if t is not None:
            episodes = await many(stores.treatment, tt.episode, "nhs_number", t["nhs_number"])
            out["treatment"] = {"engaged": any(e["ended_on"] is None for e in episodes), "service": t["service"]}
        else:
            out["treatment"] = None
        return JSONResponse({"person": out})

    return Starlette(routes=[Route("/people/{person_id}", profile)]), stores

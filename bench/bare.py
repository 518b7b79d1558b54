"""The comparison points: an expert's bare Strawberry server and a plain Starlette JSON endpoint.

The bare server answers the benchmark's queries from the same databases as an experienced
Strawberry developer would write it without the hub: no connectors, policy, audit, tracing, guards
or error shaping, but everything that makes a Strawberry server fast where it costs nothing:

- the parser and validation caches the hub's schema has (schema/graph/build.py);
- one DataLoader per agency, batching a request's people into one statement per agency, joined
  where the hub joins (offender manager and latest release with the offender) and with the one
  list the selection asks for (arrests, licence conditions), so a page costs one statement per agency;
- the hub's one-bound-parameter identifier resolution (``hub.core.db.one_of``), and a filtered page
  chosen, ordered and limited in SQL together with the people's identity and links;
- rows handed to Strawberry as they come: code lists as the same GraphQL enums (Strawberry
  serialises a raw value of an enum), plain attributes, no resolver per field.

Its field names and types match the hub's, so the same query text runs on both and the answers can be
compared value by value (bench/equal_output.py).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import strawberry
from sqlalchemy import Select, Table, exists, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.dataloader import DataLoader
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types.nodes import SelectedField

import connectors.registry  # noqa: F401  (the agencies' code lists as GraphQL enums, as the hub has them)
from bench.agencies import agency_url
from connectors.housing import tables as ht
from connectors.housing.records import AccommodationStatus, DutyStage
from connectors.police import tables as pt
from connectors.police.records import ArrestOutcome, IomCohort
from connectors.probation import tables as prt
from connectors.probation.records import CustodyStatus, LicenceConditionKind, RoshLevel
from connectors.treatment import tables as tt
from hub.core.db import create_engine, one_of
from hub.core.settings import Settings
from hub.services.index import tables as it
from schema.governance.enums import Borough
from schema.graph.scalars import SCALARS, with_offset
from schema.graph.schemes import IdentifierScheme

Row = Any  # a SQLAlchemy RowMapping: column name -> value


@dataclass
class Stores:
    index: AsyncEngine
    police: AsyncEngine
    probation: AsyncEngine
    housing: AsyncEngine
    treatment: AsyncEngine

    @classmethod
    def open(cls, settings: Settings) -> Stores:
        return cls(create_engine(settings.index_url), *(create_engine(agency_url(settings, a))
                                                         for a in ("police", "probation", "housing", "treatment")))

    def all(self) -> dict[str, AsyncEngine]:
        return dict(self.__dict__)

    async def close(self) -> None:
        for engine in self.all().values():
            await engine.dispose()


async def _rows(engine: AsyncEngine, stmt: Any) -> Sequence[Row]:
    async with engine.connect() as conn:
        return (await conn.execute(stmt)).mappings().all()


# --- The statements: one per agency and page, shared by the bare server and the floor, built once. ---

@cache
def person_statement() -> Select[Any]:
    """A person's linked identity with every identifier, one row per link."""
    p, link = it.person, it.person_link
    return select(p, link.c.scheme, link.c.value).outerjoin(link, link.c.person_id == p.c.person_id)


@cache
def police_statement(with_arrests: bool) -> Select[Any]:
    n, a = pt.nominal, pt.arrest
    if not with_arrests:
        return select(n.c.pnc_id, n.c.iom_cohort)
    return (select(n.c.pnc_id, n.c.iom_cohort, a.c.arrest_id, a.c.arrested_at, a.c.offence_code, a.c.offence,
                   a.c.custody_suite, a.c.outcome)
            .outerjoin(a, a.c.pnc_id == n.c.pnc_id).order_by(a.c.arrested_at.desc(), a.c.arrest_id))  # a total order


def _latest_release(column: Any) -> Any:
    """``column`` of the sentence with the latest release date (ties: the latest sentence), as the hub reads it."""
    s, o = prt.sentence, prt.offender
    return (select(column).where(s.c.crn == o.c.crn, s.c.release_date.is_not(None))
            .order_by(s.c.release_date.desc(), s.c.sentence_id.desc()).limit(1).scalar_subquery())


@cache
def probation_statement(with_licence: bool) -> Select[Any]:
    o, om, lc = prt.offender, prt.offender_manager, prt.licence_condition
    stmt = (select(o.c.crn, o.c.tier, o.c.ogrs_score, o.c.rosh_level, o.c.mappa_level, o.c.custody_status,
                   om.c.staff_code, om.c.name, om.c.team, om.c.email, om.c.phone,
                   _latest_release(prt.sentence.c.release_date).label("release_date"))
            .outerjoin(om, om.c.staff_code == o.c.offender_manager_code))
    if with_licence:
        stmt = (stmt.add_columns(lc.c.condition_id, lc.c.kind, lc.c.description, lc.c.starts_on, lc.c.ends_on)
                .outerjoin(lc, lc.c.crn == o.c.crn).order_by(lc.c.starts_on, lc.c.condition_id))  # a total order
    return stmt


@cache
def housing_statement() -> Select[Any]:
    c = ht.housing_client
    return select(c.c.housing_ref, c.c.borough, c.c.accommodation_status, c.c.duty_stage, c.c.postcode)


@cache
def treatment_statement() -> Select[Any]:
    c, e = tt.treatment_client, tt.episode
    engaged = exists().where(e.c.nhs_number == c.c.nhs_number, e.c.ended_on.is_(None)).label("engaged")
    return select(c.c.nhs_number, c.c.service, engaged)


def _where_key(stmt: Select[Any], table: Table, key: str, keys: Sequence[str]) -> Select[Any]:
    return stmt.where(table.c[key].in_(keys))


def _grouped(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


# --- The GraphQL types: the hub's field names and types, plain attributes. ---

@strawberry.type
class Arrest:
    arrested_at: datetime
    offence_code: str
    offence: str
    custody_suite: str
    outcome: ArrestOutcome


@strawberry.type
class LicenceCondition:
    kind: LicenceConditionKind
    description: str
    starts_on: date
    ends_on: date | None


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
    iom_cohort: IomCohort | None
    all_arrests: strawberry.Private[list[Arrest]]

    @strawberry.field
    def arrests(self, since: datetime | None = None) -> list[Arrest]:
        """Newest first; ``since`` as the hub reads it (the police system records naive UTC times)."""
        if since is None:
            return self.all_arrests
        if since.tzinfo is not None:
            since = since.astimezone(UTC).replace(tzinfo=None)
        return [a for a in self.all_arrests if a.arrested_at >= since]


@strawberry.type
class ProbationRecord:
    tier: str
    ogrs_score: int
    rosh_level: RoshLevel
    mappa_level: int | None
    custody_status: CustodyStatus
    release_date: date | None
    offender_manager: OffenderManager | None
    licence_conditions: list[LicenceCondition]


@strawberry.type
class HousingRecord:
    borough: Borough | None
    accommodation_status: AccommodationStatus
    duty_stage: DutyStage
    postcode: str | None


@strawberry.type
class TreatmentRecord:
    engaged: bool
    service: str


def _police(rows: list[Row]) -> PoliceRecord:
    first = rows[0]
    arrests = [Arrest(arrested_at=r["arrested_at"], offence_code=r["offence_code"], offence=r["offence"],
                      custody_suite=r["custody_suite"], outcome=r["outcome"])
               for r in rows if r.get("arrest_id") is not None]
    return PoliceRecord(iom_cohort=first["iom_cohort"], all_arrests=arrests)


def _probation(rows: list[Row]) -> ProbationRecord:
    r = rows[0]
    om = (OffenderManager(name=r["name"], team=r["team"], email=r["email"], phone=r["phone"])
          if r["staff_code"] is not None else None)
    conditions = [LicenceCondition(kind=c["kind"], description=c["description"], starts_on=c["starts_on"],
                                   ends_on=c["ends_on"]) for c in rows if c.get("condition_id") is not None]
    return ProbationRecord(tier=r["tier"], ogrs_score=r["ogrs_score"], rosh_level=r["rosh_level"],
                           mappa_level=r["mappa_level"], custody_status=r["custody_status"],
                           release_date=r["release_date"], offender_manager=om, licence_conditions=conditions)


def _housing(rows: list[Row]) -> HousingRecord:
    r = rows[0]
    # No fixed abode and rough sleeping have no borough of residence (the hub's lastKnownBorough keeps the last).
    housed = r["accommodation_status"] not in ("nfa", "rough_sleeping")
    return HousingRecord(borough=Borough(r["borough"]) if housed else None,
                         accommodation_status=r["accommodation_status"], duty_stage=r["duty_stage"],
                         postcode=r["postcode"])


def _treatment(rows: list[Row]) -> TreatmentRecord:
    r = rows[0]
    return TreatmentRecord(engaged=bool(r["engaged"]), service=r["service"])


def _selects(info: strawberry.Info, name: str) -> bool:
    """Whether the field being resolved selects ``name`` directly (a fragment: assume it may)."""
    for selected in info.selected_fields:
        for child in selected.selections:
            if not isinstance(child, SelectedField) or child.name == name:
                return True
    return False


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    date_of_birth: date
    identifiers: Identifiers

    @strawberry.field
    async def police(self, info: strawberry.Info[Context, None]) -> PoliceRecord | None:
        key = self.identifiers.pnc_id
        return await info.context.police(info.context.selects(info, "arrests")).load(key) if key else None

    @strawberry.field
    async def probation(self, info: strawberry.Info[Context, None]) -> ProbationRecord | None:
        key = self.identifiers.crn
        return await info.context.probation(info.context.selects(info, "licenceConditions")).load(key) if key else None

    @strawberry.field
    async def housing(self, info: strawberry.Info[Context, None]) -> HousingRecord | None:
        key = self.identifiers.housing_reference
        return await info.context.housing.load(key) if key else None

    @strawberry.field
    async def treatment(self, info: strawberry.Info[Context, None]) -> TreatmentRecord | None:
        key = self.identifiers.nhs_number
        return await info.context.treatment.load(key) if key else None


def _person(rows: list[Row]) -> Person:
    p = rows[0]
    links = {r["scheme"]: r["value"] for r in rows if r["scheme"] is not None}
    g = links.get
    return Person(id=strawberry.ID(p["person_id"]), name=f"{p['forenames']} {p['surname']}",
                  date_of_birth=p["date_of_birth"],
                  identifiers=Identifiers(pnc_id=g("pncId"), cro_number=g("croNumber"), crn=g("crn"),
                                          prison_number=g("prisonNumber"), nhs_number=g("nhsNumber"),
                                          housing_reference=g("housingReference")))


def _batched(engine: AsyncEngine, stmt: Select[Any], table: Table, key: str,
             build: Callable[[list[Row]], Any]) -> DataLoader[str, Any]:
    """A DataLoader sending one statement per batch: ``stmt`` for the batch's keys, rows grouped per key."""
    async def load(keys: list[str]) -> list[Any]:
        found = _grouped(await _rows(engine, _where_key(stmt, table, key, keys)), key)
        return [build(found[k]) if k in found else None for k in keys]

    return DataLoader(load_fn=load)


@dataclass
class Context:
    """Per request: the stores and the DataLoaders, created as a resolver first needs one."""

    stores: Stores
    _loaders: dict[str, DataLoader[str, Any]] = field(default_factory=dict)
    _selections: dict[tuple[object, ...], bool] = field(default_factory=dict)

    def selects(self, info: strawberry.Info, name: str) -> bool:
        """``_selects``, once per field of the query rather than once per person of a page."""
        key = (name, *(k for k in info.path.as_list() if isinstance(k, str)))
        found = self._selections.get(key)
        if found is None:
            found = self._selections[key] = _selects(info, name)
        return found

    def _loader(self, name: str, make: Callable[[], DataLoader[str, Any]]) -> DataLoader[str, Any]:
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._loaders[name] = make()
        return loader

    @property
    def people(self) -> DataLoader[str, Any]:
        return self._loader("people", lambda: _batched(self.stores.index, person_statement(), it.person,
                                                       "person_id", _person))

    def police(self, with_arrests: bool) -> DataLoader[str, Any]:
        return self._loader(f"police{with_arrests}", lambda: _batched(
            self.stores.police, police_statement(with_arrests), pt.nominal, "pnc_id", _police))

    def probation(self, with_licence: bool) -> DataLoader[str, Any]:
        return self._loader(f"probation{with_licence}", lambda: _batched(
            self.stores.probation, probation_statement(with_licence), prt.offender, "crn", _probation))

    @property
    def housing(self) -> DataLoader[str, Any]:
        return self._loader("housing", lambda: _batched(self.stores.housing, housing_statement(),
                                                        ht.housing_client, "housing_ref", _housing))

    @property
    def treatment(self) -> DataLoader[str, Any]:
        return self._loader("treatment", lambda: _batched(self.stores.treatment, treatment_statement(),
                                                          tt.treatment_client, "nhs_number", _treatment))


@strawberry.type
class Edge:
    node: Person


@strawberry.type
class Connection:
    edges: list[Edge]


@strawberry.input
class PeopleFilter:
    iom_cohorts: list[IomCohort] | None = None
    boroughs: list[Borough] | None = None
    accommodation_statuses: list[AccommodationStatus] | None = None


def _holders(index: AsyncEngine, scheme: str, values: Sequence[str]) -> Any:
    """Person ids holding any of these identifiers, as a subquery bound to one parameter."""
    link = it.person_link
    return select(link.c.person_id).where(link.c.scheme == scheme,
                                          one_of(link.c.value, values, index.dialect.name))


async def _resolve(stores: Stores, scheme: str, values: Sequence[str]) -> dict[str, str]:
    link = it.person_link
    rows = await _rows(stores.index, select(link.c.value, link.c.person_id).where(
        link.c.scheme == scheme, one_of(link.c.value, values, stores.index.dialect.name)))
    return {r["value"]: r["person_id"] for r in rows}


async def _people_page(ctx: Context, first: int, filter: PeopleFilter | None) -> list[Person]:
    """The first ``first`` matching people in id order, chosen and loaded by one index statement."""
    stores = ctx.stores
    searches: list[tuple[str, str, Any]] = []
    if filter and filter.iom_cohorts:
        n = pt.nominal
        searches.append(("pncId", "pnc_id", _rows(stores.police, select(n.c.pnc_id).where(
            n.c.iom_cohort.in_([c.value for c in filter.iom_cohorts])))))
    if filter and (filter.boroughs or filter.accommodation_statuses):
        c = ht.housing_client
        stmt = select(c.c.housing_ref)
        if filter.boroughs:
            stmt = stmt.where(c.c.borough.in_([b.value for b in filter.boroughs]))
        if filter.accommodation_statuses:
            stmt = stmt.where(c.c.accommodation_status.in_([s.value for s in filter.accommodation_statuses]))
        searches.append(("housingReference", "housing_ref", _rows(stores.housing, stmt)))
    found = await asyncio.gather(*(rows for _, _, rows in searches))
    p = it.person
    chosen = select(p.c.person_id).order_by(p.c.person_id).limit(first)
    for (scheme, key, _), rows in zip(searches, found, strict=True):
        chosen = chosen.where(p.c.person_id.in_(_holders(stores.index, scheme, [r[key] for r in rows])))
    stmt = person_statement().where(p.c.person_id.in_(chosen.scalar_subquery())).order_by(p.c.person_id)
    grouped = _grouped(await _rows(stores.index, stmt), "person_id")
    people = [_person(rows) for rows in grouped.values()]
    ctx.people.prime_many({str(person.id): person for person in people})
    return people


@strawberry.type
class Query:
    @strawberry.field
    async def person(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> Person | None:
        person: Person | None = await info.context.people.load(str(id))
        return person

    @strawberry.field
    async def person_by_identifier(self, info: strawberry.Info[Context, None], scheme: IdentifierScheme,
                                   value: str) -> Person | None:
        ids = await _resolve(info.context.stores, scheme.value, [value])
        person: Person | None = await info.context.people.load(ids[value]) if value in ids else None
        return person

    @strawberry.field
    async def people_by_identifiers(self, info: strawberry.Info[Context, None], scheme: IdentifierScheme,
                                    values: list[str]) -> list[Person | None]:
        ids = await _resolve(info.context.stores, scheme.value, values)
        people = await info.context.people.load_many([ids[v] for v in values if v in ids])
        found = iter(people)
        return [next(found) if v in ids else None for v in values]

    @strawberry.field
    async def people(self, info: strawberry.Info[Context, None], first: int = 20,
                     filter: PeopleFilter | None = None) -> Connection:
        return Connection(edges=[Edge(node=p) for p in await _people_page(info.context, first, filter)])


def bare_schema() -> strawberry.Schema:
    # The hub's caches, sized as the hub sizes them (schema/graph/build.py).
    return strawberry.Schema(query=Query, extensions=[lambda: ParserCache(maxsize=512),
                                                      lambda: ValidationCache(maxsize=512)],
                             config=StrawberryConfig(scalar_map=SCALARS))  # DateTime with its offset, as the hub


class BareGraphQL(GraphQL[Context, None]):
    def __init__(self, stores: Stores) -> None:
        super().__init__(bare_schema(), graphql_ide=None)
        self.stores = stores

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(self.stores)


def bare_app(settings: Settings) -> tuple[Starlette, Stores]:
    stores = Stores.open(settings)
    return Starlette(routes=[Route("/graphql", BareGraphQL(stores), methods=["POST"])]), stores


def floor_app(settings: Settings) -> tuple[Starlette, Stores]:
    """The floor: the profile query's answer from one hand-written JSON endpoint, no GraphQL at all.

    The same statements as the bare server's loaders, the four agencies asked concurrently as the
    GraphQL servers ask them, and the same JSON as the profile query's ``data``.
    """
    stores = Stores.open(settings)

    async def keyed(engine: AsyncEngine, stmt: Select[Any], table: Table, key: str,
                    value: str | None) -> list[Row] | None:
        if value is None:
            return None
        rows = await _rows(engine, _where_key(stmt, table, key, [value]))
        return list(rows) or None

    async def profile(request: Request) -> JSONResponse:
        person_id = request.path_params["person_id"]
        person_rows = await keyed(stores.index, person_statement(), it.person, "person_id", person_id)
        if person_rows is None:
            return JSONResponse({"data": {"person": None}})
        links = {r["scheme"]: r["value"] for r in person_rows if r["scheme"] is not None}
        police, probation, housing, treatment = await asyncio.gather(
            keyed(stores.police, police_statement(True), pt.nominal, "pnc_id", links.get("pncId")),
            keyed(stores.probation, probation_statement(True), prt.offender, "crn", links.get("crn")),
            keyed(stores.housing, housing_statement(), ht.housing_client, "housing_ref",
                  links.get("housingReference")),
            keyed(stores.treatment, treatment_statement(), tt.treatment_client, "nhs_number", links.get("nhsNumber")))
        p = person_rows[0]
        out: dict[str, Any] = {
            "id": person_id, "name": f"{p['forenames']} {p['surname']}", "dateOfBirth": p["date_of_birth"].isoformat(),
            "identifiers": {k: links.get(k) for k in ("pncId", "crn", "nhsNumber", "housingReference")},
            "police": police and {
                "iomCohort": IomCohort(police[0]["iom_cohort"]).name if police[0]["iom_cohort"] else None,
                "arrests": [{"arrestedAt": with_offset(a["arrested_at"]), "offence": a["offence"],
                             "outcome": ArrestOutcome(a["outcome"]).name}
                            for a in police if a["arrest_id"] is not None]},
            "probation": None, "housing": None, "treatment": None,
        }
        if probation:
            o = probation[0]
            out["probation"] = {
                "tier": o["tier"], "ogrsScore": o["ogrs_score"], "roshLevel": RoshLevel(o["rosh_level"]).name,
                "mappaLevel": o["mappa_level"],
                "releaseDate": o["release_date"].isoformat() if o["release_date"] else None,
                "licenceConditions": [{"kind": LicenceConditionKind(c["kind"]).name, "description": c["description"]}
                                      for c in probation if c["condition_id"] is not None],
                "offenderManager": {"name": o["name"], "phone": o["phone"]} if o["staff_code"] else None}
        if housing:
            h = housing[0]
            housed = h["accommodation_status"] not in ("nfa", "rough_sleeping")
            out["housing"] = {"borough": Borough(h["borough"]).name if housed else None,
                              "accommodationStatus": AccommodationStatus(h["accommodation_status"]).name,
                              "dutyStage": DutyStage(h["duty_stage"]).name}
        if treatment:
            t = treatment[0]
            out["treatment"] = {"engaged": bool(t["engaged"]), "service": t["service"]}
        return JSONResponse({"data": {"person": out}})

    return Starlette(routes=[Route("/people/{person_id}", profile)]), stores

"""A person as the hub knows them: the linked identity and one record per agency."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.federation.schema_directives import Key

from connectors.agency_package import AgencyPackage
from connectors.registry import AGENCIES, SCHEMES
from hub.services.index.store import IndexedPerson
from schema.governance.agency_graph import Reader
from schema.governance.context import Info
from schema.governance.gate import Verdict
from schema.governance.governed import Held, Resolved, governed_record, held, judged, shown
from schema.governance.release import Released, transformed
from schema.governance.strawberry_adapter import resolve_info
from schema.graph.names import python_name

if TYPE_CHECKING:
    class Identifiers:
        def __init__(self, **values: str | None) -> None: ...
else:
    Identifiers = strawberry.type(type("Identifiers", (), {
        "__annotations__": {python_name(s.name): str | None for s in SCHEMES.values()},
        **{python_name(s.name): strawberry.field(name=s.name, description=s.description, default=None)
           for s in SCHEMES.values()},
    }), description="Agency identifiers linked to the person, as far as the agreement releases them")


def _identifiers(links: dict[str, str], names: Released) -> Identifiers:
    return Identifiers(**{python_name(s.name): shown(names, s.name, links.get(s.name)) for s in SCHEMES.values()})


async def _absent() -> None:
    return None


#: A person with no identifier in an agency's scheme has no record there, and that is known at once.
NO_RECORD: Held[None] = Held(None)


@strawberry.type(name="PersonCore")  # never in the schema itself: Person below adds the agencies to it
class _PersonCore:
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

    def agency_record(self, info: Info, package: AgencyPackage) -> Resolved[Any]:
        """The person's record at ``package``'s agency, as the agreement releases it (existence included)."""
        agency, graph = package.agency, package.graph
        reader = Reader(self.p.person_id, info.context.caller.agency if info.context.gate.plan else None)

        def build(record: Any, names: Released) -> Any:
            return graph.build(record, names, reader)

        key = self.p.links.get(agency.key_scheme)
        if key is None:
            return governed_record(info, agency.record_type, self.p.person_id, NO_RECORD, _absent, build,
                                   graph.consent_of)
        loader: DataLoader[str, Any] = info.context.loaders.records[agency.name]
        return governed_record(info, agency.record_type, self.p.person_id, held(loader, key),
                               lambda: loader.load(key), build, graph.consent_of)


def _agency_field(package: AgencyPackage) -> Any:
    def resolve(self: _PersonCore, info: Info) -> Resolved[Any]:
        return self.agency_record(info, package)

    return strawberry.field(resolver=resolve, name=package.name, description=package.agency.description,
                            graphql_type=package.graph.type | None)


if TYPE_CHECKING:
    Person = _PersonCore
else:
    #: A person with one field per registered agency (connectors/registry.py), each governed alike.
    Person = strawberry.type(type("Person", (_PersonCore,), {a.name: _agency_field(a) for a in AGENCIES}),
                             description="One person across the partnership's agency systems",
                             # an Apollo Federation entity, keyed by hub person id (schema/graph/federation.py)
                             directives=[Key(fields="id")])


def person_of(p: IndexedPerson) -> Person:
    return Person(id=strawberry.ID(p.person_id), p=p)

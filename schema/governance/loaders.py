"""Per-request DataLoaders: every agency lookup of a query is batched by agency identifier."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry.trace import Tracer
from strawberry.dataloader import DataLoader

from hub.core import telemetry
from hub.core.agency import Connector, SourceUnavailable
from hub.core.agency import Fetch as AgencyFetch
from hub.core.telemetry import instruments
from hub.services.agencies import Agencies
from hub.services.index.store import IndexedPerson
from hub.services.people import PeopleService

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

Fetch = Callable[[Iterable[str]], Awaitable[dict[str, Any]]]


def _traced(fetch: Fetch, tracer: Tracer | None, agency: str, kind: str) -> Fetch:
    """One span per batch (agency, record kind, how many keys): a 200-person page is a few spans."""
    if tracer is None:
        return fetch

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


def _one(fetch: Callable[[Iterable[str]], Awaitable[dict[str, T]]], tracer: Tracer | None,
         agency: str = "index", kind: str = "people") -> DataLoader[str, T | None]:
    run = _traced(fetch, tracer, agency, kind)

    async def load(keys: list[str]) -> Sequence[T | None]:
        found = await run(keys)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _many(fetch: Callable[[Iterable[str]], Awaitable[dict[str, list[T]]]], tracer: Tracer | None,
          agency: str, kind: str) -> DataLoader[str, list[T]]:
    run = _traced(fetch, tracer, agency, kind)

    async def load(keys: list[str]) -> Sequence[list[T]]:
        found = await run(keys)
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)

@dataclass
class Loaders:
    person: DataLoader[str, IndexedPerson | None]
    #: agency -> its record of a person, by the agency's key
    records: Mapping[str, DataLoader[str, Any]]
    #: (agency, list field of its record) -> the list, by the same key
    lists: Mapping[tuple[str, str], DataLoader[str, list[Any]]]
    #: the connected agencies, for reading a record and one of its lists together (None: never together)
    agencies: Agencies | None = None
    tracer: Tracer | None = None

    async def load_with_list(self, agency: str, keys: Sequence[str], name: str) -> bool:
        """Load the records of ``keys`` with their list ``name`` in one round trip and hold both in their
        loaders, or the agency's failure to answer, as each load would have held it (a resolver needing one
        raises it where it stands). False, with nothing held, where the agency's system cannot answer both
        at once: the caller loads each the usual way."""
        if self.agencies is None or agency not in self.agencies or not keys:
            return False
        connector = self.agencies[agency]

        answered: list[dict[str, list[Any]]] = []

        async def fetch(batch: Iterable[str]) -> dict[str, Any]:
            found = await connector.with_list(list(batch), name)
            if found is None:
                return {}
            answered.append(found[1])
            return found[0]

        try:
            kind = f"{self.agencies.descriptors[agency].records.__name__}+{name}"  # one span: nominals+arrests
            records = await _traced(fetch, self.tracer, agency, kind)(keys)
        except SourceUnavailable as exc:
            # Held, not retried: asking a system that did not answer once more would only double the wait.
            _hold_failure(self.records[agency], keys, exc)
            _hold_failure(self.lists[(agency, name)], keys, exc)
            return True
        if not answered:
            return False
        lists = answered[0]
        self.records[agency].prime_many({k: records.get(k) for k in keys})
        self.lists[(agency, name)].prime_many({k: lists.get(k, []) for k in keys})
        return True

    @classmethod
    def create(cls, people: PeopleService, agencies: Agencies, tracer: Tracer | None = None) -> Loaders:
        # Each loader is made when a request first asks for it: a query reads a few of the agencies' two
        # dozen records and lists, and making them all took ~0.1 ms a request.
        def record(name: str) -> DataLoader[str, Any]:
            fetch = agencies.descriptors[name].records
            return _one(_bound(fetch, agencies[name]), tracer, name, fetch.__name__)

        def listed(pair: tuple[str, str]) -> DataLoader[str, list[Any]]:
            name, field = pair
            fetch = agencies.descriptors[name].lists[field]
            return _many(_bound(fetch, agencies[name]), tracer, name, fetch.__name__)

        return cls(person=_one(people.index.get_many, tracer), records=_OnFirstUse(record),
                   lists=_OnFirstUse(listed), agencies=agencies, tracer=tracer)

    def prime_people(self, people: Iterable[IndexedPerson]) -> None:
        for person in people:
            self.person.prime(person.person_id, person)


class _OnFirstUse(dict[K, V]):
    """A mapping whose values are made by ``make`` when first looked up; a key ``make`` does not know raises
    KeyError, as a plain mapping's missing key does."""

    def __init__(self, make: Callable[[K], V]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: K) -> V:
        value = self[key] = self._make(key)
        return value


def _hold_failure(loader: DataLoader[str, Any], keys: Iterable[str], exc: Exception) -> None:
    """Each key's load failed with ``exc``: awaiting it raises, as a failed batch's keys do."""
    for key in keys:
        if loader.cache_map.get(key) is None:
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            failed.exception()  # retrieved here: a key no resolver asks for again is not a logged error
            loader.cache_map.set(key, failed)


def _bound(fetch: AgencyFetch, connector: Connector[Any]) -> Fetch:
    """The connector's own method for ``fetch``: descriptors name the interface's abstract method
    (``PoliceConnector.arrests``), which a SQL or an API connector implements."""
    method: Fetch = getattr(connector, fetch.__name__)
    return method

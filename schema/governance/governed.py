"""The one way an agency record is released: judged as a whole, accounted, then built.

Resolvers here return the value itself when everything it needs is at hand (the record was
prefetched with its page, the caller's caseload is loaded), and an awaitable only otherwise.
graphql-core completes a value synchronously, but schedules a task for every awaitable, and on a
200-person page those tasks cost more than the governance itself.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from graphql import GraphQLNamedType, GraphQLObjectType, get_named_type
from strawberry.dataloader import DataLoader

from schema.governance.context import Info
from schema.governance.gate import CONSENT, HIDDEN, PENDING, Gate, Verdict
from schema.governance.release import Released, released, shown
from schema.governance.selection import RawInfo, Selection
from schema.governance.strawberry_adapter import resolve_info

log = logging.getLogger("hub.graphql")

R = TypeVar("R")
T = TypeVar("T")
U = TypeVar("U")

#: What a resolver returns: the value, or (when it has to wait for data) an awaitable of it.
Resolved: TypeAlias = T | Awaitable[T]


@dataclass(frozen=True, slots=True)
class Held(Generic[T]):
    """A value already in hand (``None`` is a real answer: no such record)."""

    value: T


def held(loader: DataLoader[str, T], key: str) -> Held[T] | None:
    """The loader's answer for ``key`` if it has one already; a failed load is not held (it re-raises)."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception() is not None:
        return None
    return Held(future.result())


def loaded(loader: DataLoader[str, T], key: str, then: Callable[[T], U]) -> Resolved[U]:
    """``then`` of the loader's answer for ``key``: at once if it is held, else once it loads."""
    found = held(loader, key)
    if found is not None:
        return then(found.value)

    async def later() -> U:
        return then(await loader.load(key))

    return later()


def judged(gate: Gate, type_name: str, person_id: str, pairs: Selection,
           then: Callable[[list[Verdict]], Resolved[T]]) -> Resolved[T]:
    """``then`` of the verdicts on these fields: at once if they can be made now, else once the
    condition sets they need have loaded."""
    verdicts = gate.judge_now(type_name, person_id, pairs)
    if verdicts is not None:
        return then(verdicts)

    async def later() -> T:
        result = then(await gate.judge(type_name, person_id, pairs))
        return await result if inspect.isawaitable(result) else result

    return later()


def every_field(raw: RawInfo) -> Selection:
    """(name, name) for every field of the record type the resolving field returns."""
    return fields_of(get_named_type(raw.return_type))


def fields_of(named: GraphQLNamedType | None) -> Selection:
    """(name, name) for every field of a record type."""
    if named is None:
        return ()
    found = _EVERY.get(named.name)
    if found is None:
        fields = named.fields if isinstance(named, GraphQLObjectType) else {}
        found = _EVERY[named.name] = tuple((n, n) for n in fields if not n.startswith("__"))
    return found


_EVERY: dict[str, Selection] = {}


def _refused(asked: list[Verdict], exposure: str) -> bool:
    """The record is withheld whole: no field of it may show for this person (so not even whether it
    exists), or none of the fields asked for may."""
    return exposure == HIDDEN or (bool(asked) and not any(v.show for v in asked))


def governed_record(
    info: Info,
    type_name: str,
    person_id: str,
    record: Held[R | None] | None,
    load: Callable[[], Awaitable[R | None]],
    build: Callable[[R, Released], T],
    consent_of: Callable[[R], frozenset[str]] | None = None,
) -> Resolved[T | None]:
    """Load and build one record, releasing only the selected fields the agreement allows.

    ``record`` is the record if it is already held, else ``load`` fetches it. ``build`` gets the
    record and the fields that may be shown, with their transforms; it must leave the others empty.

    Whether an agency holds a record is itself data. The record is an object (or null for no
    record) only where the caller may read at least one of its fields about this person, conditions
    and consent included; otherwise it is null with one FIELD_NOT_SHARED error, decided before
    the record is read, so the answer is the same whether it exists and whether its agency is up.
    """
    gate = info.context.gate
    raw = resolve_info(info)
    job = _Job(gate, raw, type_name, person_id, gate.selection(raw), every_field(raw), build, consent_of)
    asked = gate.judge_now(type_name, person_id, job.pairs)
    exposure = gate.exposure_now(type_name, person_id, job.every) if asked is not None else None
    if asked is not None and exposure is not None:
        if _refused(asked, exposure):
            job.deny(asked, PENDING)
            return None
        if record is not None:
            return job.release(asked, exposure, record.value)
    return _governed_later(job, asked, exposure, load)


@dataclass(frozen=True, slots=True)
class _Job(Generic[R, T]):
    """One record's release: who it is about, what was asked, and how to build it."""

    gate: Gate
    raw: RawInfo
    type_name: str
    person_id: str
    pairs: Selection
    every: Selection
    build: Callable[[R, Released], T]
    consent_of: Callable[[R], frozenset[str]] | None

    def judged(self, pairs: Selection, consent: frozenset[str] | None) -> list[Verdict]:
        # The first judgement loaded every set the conditions need; consent is the record's own.
        verdicts = self.gate.judge_now(self.type_name, self.person_id, pairs, consent)
        assert verdicts is not None, "condition sets are loaded by the first judgement"
        return verdicts

    def deny(self, asked: list[Verdict], consent: frozenset[str] | None) -> None:
        """Null with one error naming why: a field asked for, or (``__typename`` only) the record's first."""
        self.gate.deny_record(self.raw, self.person_id, asked or self.judged(self.every, consent))

    def release(self, asked: list[Verdict], exposure: str, record: R | None) -> T | None:
        """The loaded record (or its absence), judged again where consent decides, accounted and built."""
        if exposure == CONSENT or any(v.consent_pending for v in asked):
            consent = self.consent_of(record) if record is not None and self.consent_of is not None else None
            asked = self.judged(self.pairs, consent)
            exposure = self.gate.exposure_now(self.type_name, self.person_id, self.every, consent) or HIDDEN
            if _refused(asked, exposure):  # without consent: the same answer whether the record exists or not
                self.deny(asked, consent)
                return None
        self.gate.existence(self.person_id, f"{self.raw.parent_type.name}.{self.raw.field_name}")
        if record is None:
            return None
        self.gate.record(self.raw, self.person_id, asked)
        return self.build(record, released(asked))


async def _governed_later(job: _Job[R, T], asked: list[Verdict] | None, exposure: str | None,
                          load: Callable[[], Awaitable[R | None]]) -> T | None:
    """The record once whatever was missing has loaded: the condition sets, the record."""
    gate = job.gate
    if asked is None or exposure is None:
        asked = await gate.judge(job.type_name, job.person_id, job.pairs)
        exposure = await gate.exposure(job.type_name, job.person_id, job.every)
        if _refused(asked, exposure):
            job.deny(asked, PENDING)
            return None
    try:
        record = await load()
    except Exception as exc:
        if exposure == CONSENT:
            # Only the record's own consent could release it and it did not load: answer as for a record
            # without consent, so an outage does not tell this caller who is known to the agency.
            log.warning("record withheld: it did not load", extra={"record_type": job.type_name,
                                                                     "error_type": type(exc).__name__})
            job.deny(job.judged(job.pairs, None), None)
            return None
        raise
    return job.release(asked, exposure, record)


def list_loader(info: Info, agency: str, name: str) -> DataLoader[str, list[Any]]:
    """The loader of the list field ``name`` of ``agency``'s record, as prefetching uses it."""
    return info.context.loaders.lists[(agency, name)]


def listed(info: Info, agency: str, name: str, shown_names: Released, key: str
           ) -> Resolved[list[Any] | None]:
    """A list field of a record: None unless shown, else the loader's list for the record's key
    (through its transform)."""
    if name not in shown_names:
        return None
    return loaded(list_loader(info, agency, name), key, lambda found: shown_names.value(name, found))


__all__ = ["PENDING", "Held", "Released", "Resolved", "every_field", "fields_of", "governed_record", "held",
           "judged", "list_loader", "listed", "loaded", "shown"]

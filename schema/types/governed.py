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

from strawberry.dataloader import DataLoader

from schema.agency_records import RECORDS
from schema.context import Info
from schema.gate import PENDING, Gate, Verdict
from schema.release import Released, released, shown
from schema.selection import RawInfo, Selection

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
    record and the fields that may be shown, with their transforms; it must leave the others empty. Whether
    a record exists is not revealed to a caller who may see none of it.
    """
    gate = info.context.gate
    raw = info._raw_info
    pairs = gate.selection(raw)
    pre = gate.judge_now(type_name, person_id, pairs)
    if pre is not None:
        if pre and not any(v.show for v in pre):
            gate.deny_record(raw, pre)
            return None
        if record is not None:
            return _release(gate, raw, type_name, person_id, pairs, pre, record.value, build, consent_of)
    return _governed_later(gate, raw, type_name, person_id, pairs, pre, load, build, consent_of)


async def _governed_later(
    gate: Gate, raw: RawInfo, type_name: str, person_id: str, pairs: Selection, pre: list[Verdict] | None,
    load: Callable[[], Awaitable[R | None]], build: Callable[[R, Released], T],
    consent_of: Callable[[R], frozenset[str]] | None,
) -> T | None:
    """The record once whatever was missing has loaded: the condition sets (``pre`` None), the record."""
    if pre is None:
        pre = await gate.judge(type_name, person_id, pairs)
        if pre and not any(v.show for v in pre):
            gate.deny_record(raw, pre)
            return None
    try:
        record = await load()
    except Exception as exc:
        if any(v.show for v in pre) and all(v.consent_pending for v in pre if v.show):
            # Only the record's own consent could release it and it did not load: answer as for a record
            # without consent, so an outage does not tell this caller who is known to the agency.
            log.warning("record withheld: it did not load", extra={"record_type": type_name,
                                                                     "error_type": type(exc).__name__})
            gate.deny_record(raw, _judged(gate, type_name, person_id, pairs, None))
            return None
        raise
    return _release(gate, raw, type_name, person_id, pairs, pre, record, build, consent_of)


def _release(
    gate: Gate, raw: RawInfo, type_name: str, person_id: str, pairs: Selection, pre: list[Verdict],
    record: R | None, build: Callable[[R, Released], T], consent_of: Callable[[R], frozenset[str]] | None,
) -> T | None:
    """The loaded record, judged again where consent decides, accounted and built."""
    final = pre
    consent_pending = any(v.consent_pending for v in pre)
    if record is None:
        if consent_pending and all(v.consent_pending for v in pre if v.show):
            # Same answer as a record without consent: absence must not be learnt either.
            gate.deny_record(raw, _judged(gate, type_name, person_id, pairs, None))
        return None
    if consent_pending:
        final = _judged(gate, type_name, person_id, pairs, consent_of(record) if consent_of is not None else None)
    gate.record(raw, person_id, final)
    return build(record, released(final))


def _judged(gate: Gate, type_name: str, person_id: str, pairs: Selection,
            consent: frozenset[str] | None) -> list[Verdict]:
    # The first judgement loaded every set the conditions need; consent is the record's own.
    verdicts = gate.judge_now(type_name, person_id, pairs, consent)
    assert verdicts is not None, "condition sets are loaded by the first judgement"
    return verdicts


def list_loader(info: Info, agency: str, name: str) -> DataLoader[str, list[Any]]:
    """The loader of the list field ``name`` of ``agency``'s record, as prefetching uses it."""
    loader: DataLoader[str, list[Any]] = getattr(info.context.loaders, RECORDS[agency].lists[name])
    return loader


def listed(info: Info, agency: str, name: str, shown_names: Released, key: str
           ) -> Resolved[list[Any] | None]:
    """A list field of a record: None unless shown, else the loader's list for the record's key
    (through its transform)."""
    if name not in shown_names:
        return None
    return loaded(list_loader(info, agency, name), key, lambda found: shown_names.value(name, found))


__all__ = ["PENDING", "Held", "Released", "Resolved", "governed_record", "held", "judged", "list_loader", "listed",
           "loaded", "shown"]

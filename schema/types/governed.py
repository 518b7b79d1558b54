"""The one way an agency record is released: judged as a whole, accounted, then built."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from schema.context import Info
from schema.gate import PENDING, Verdict

R = TypeVar("R")
T = TypeVar("T")


async def governed_record(
    info: Info,
    type_name: str,
    person_id: str,
    load: Callable[[], Awaitable[R | None]],
    build: Callable[[R, frozenset[str]], T],
    consent_of: Callable[[R], frozenset[str]] | None = None,
) -> T | None:
    """Load and build one record, releasing only the selected fields the agreement allows.

    ``build`` gets the record and the names of the fields that may be shown; it must leave the
    others empty. Whether a record exists is not revealed to a caller who may see none of it.
    """
    gate = info.context.gate
    raw = info._raw_info
    pairs = gate.selection(raw)
    pre = await gate.judge(type_name, person_id, pairs)
    if pre and not any(v.show for v in pre):
        gate.deny_record(raw, pre)
        return None
    record = await load()
    final: list[Verdict] = pre
    consent_pending = any(v.consent_pending for v in pre)
    if record is None:
        if consent_pending and all(v.consent_pending for v in pre if v.show):
            # Same answer as a record without consent: absence must not be learnt either.
            gate.deny_record(raw, await gate.judge(type_name, person_id, pairs, consent=None))
        return None
    if consent_pending and consent_of is not None:
        final = await gate.judge(type_name, person_id, pairs, consent=consent_of(record))
    elif consent_pending:
        final = await gate.judge(type_name, person_id, pairs, consent=None)
    gate.record(raw, person_id, final)
    return build(record, frozenset(v.field_name for v in final if v.show))


def shown(names: frozenset[str], name: str, value: T) -> T | None:
    return value if name in names else None


__all__ = ["PENDING", "governed_record", "shown"]

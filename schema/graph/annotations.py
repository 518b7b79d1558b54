"""What a response says about itself beside its data: where values were withheld, and which searches
covered only the caller's own people (``extensions.withheld`` and ``extensions.scope``).

A client renders "withheld" at these paths without parsing error messages. Names and paths only,
never a value: the same paths the FIELD_NOT_SHARED errors list.
"""

from __future__ import annotations

from typing import Any

from schema.governance.gate import Gate

#: a row condition as ``extensions.scope`` names it
NARROWED_TO = {"caseload": "caseload", "victim_case": "victimCases", "relationship": "relationship"}


def withheld_paths(gate: Gate) -> list[dict[str, Any]]:
    """Every path a value was withheld at, with the field, why, and the error code that reports it."""
    return [{"path": path, "field": w.field_key, "reason": w.reason, "code": "FIELD_NOT_SHARED"}
            for w in gate.ledger.withheld.values() for path in w.paths]


def search_scope(gate: Gate) -> dict[str, Any] | None:
    """The searches narrowed to the caller's own people because an argument reads a field released only
    for those; None when no search was. ``narrowedTo`` names the people (several joined by ``+``: the
    searches covered only those in all of them)."""
    if not gate.narrowed:
        return None
    kinds = sorted({NARROWED_TO.get(condition, condition) for _, condition, _ in gate.narrowed})
    return {
        "narrowedTo": "+".join(kinds),
        "paths": [list(p) for p in dict.fromkeys(path for path, _, _ in gate.narrowed)],
        "arguments": list(dict.fromkeys(argument for _, _, argument in gate.narrowed)),
    }


def response_extensions(gate: Gate) -> dict[str, Any]:
    """``withheld`` and ``scope``, each only when there is something to say."""
    out: dict[str, Any] = {}
    if withheld := withheld_paths(gate):
        out["withheld"] = withheld
    if scope := search_scope(gate):
        out["scope"] = scope
    return out

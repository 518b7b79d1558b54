"""Turning execution errors and withheld fields into the response's ``errors``.

This is the one place GraphQL errors are shaped: a ``HubError`` keeps its message and code;
a GraphQL syntax or validation error keeps its message; anything else is masked as
INTERNAL_SERVER_ERROR with the trace id, so no stack trace, SQL or value reaches a caller.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from hub.core.agency import SourceUnavailable
from hub.core.errors import ConnectorUnavailable, HubError, Outcome
from schema.governance.gate import Ledger

log = logging.getLogger("hub.graphql")


def as_hub_error(original: BaseException | None) -> HubError | None:
    """The hub error an execution error stands for: itself, or CONNECTOR_UNAVAILABLE for an agency that
    did not answer (the rest of the answer stands; this part of it is missing)."""
    if isinstance(original, HubError):
        return original
    if isinstance(original, SourceUnavailable):
        return ConnectorUnavailable(f"the {original.agency} system did not answer, so this part of the answer "
                                    "is missing; the rest stands", agency=original.agency)
    return None


def error_outcome(error: GraphQLError) -> Outcome:
    """What an execution error makes of its operation's audit outcome: a hub error names its own; a
    syntax, validation or coercion error is bad input; anything else is a failure."""
    original = error.original_error
    known = as_hub_error(original)
    if known is not None:
        return known.outcome
    return "malformed" if original is None or isinstance(original, GraphQLError) else "error"


def format_error(error: GraphQLError, trace_id: str | None) -> dict[str, Any]:
    original = error.original_error
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    known = as_hub_error(original)
    if known is not None:
        out["message"] = known.message
        out["extensions"] = known.as_extensions()
        if isinstance(known, ConnectorUnavailable):
            out["extensions"]["traceId"] = trace_id
    elif original is None:
        out["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
        if error.extensions and "code" in error.extensions:
            out["extensions"] = dict(error.extensions)
    elif isinstance(original, GraphQLError):  # coercion errors wrapped by the executor
        out["extensions"] = {"code": "BAD_USER_INPUT"}
    else:
        # Log the exception type and where, never its message (it may hold a value).
        log.error("unexpected error in resolver", extra={"error_type": type(original).__name__,
                                                         "path": out.get("path"), "trace_id": trace_id})
        out = {"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                                                  "traceId": trace_id}}
        if error.path:
            out["path"] = list(error.path)
    return out


def withheld_errors(ledger: Ledger, caller_roles: tuple[str, ...], purpose: str | None) -> list[dict[str, Any]]:
    """One error per withheld field and reason, listing every path it was withheld at.

    A 200-row page with a denied field gives one error with 200 paths, not 200 errors.
    """
    out = []
    for w in ledger.withheld.values():
        roles = ", ".join(caller_roles) or "caller"
        out.append({
            "message": f"{w.field_key} is not shared with {roles} for purpose {purpose}: {w.reason} "
                       f"({w.agreement} {w.clause})",
            "path": w.paths[0],
            "extensions": {
                "code": "FIELD_NOT_SHARED",
                "field": w.field_key,
                "reason": w.reason,
                "clause": w.clause,
                "agreement": w.agreement,
                "legalBasis": w.legal_basis,
                **({"mask": w.mask} if w.mask else {}),
                "occurrences": len(w.paths),
                "paths": w.paths,
            },
        })
    return out

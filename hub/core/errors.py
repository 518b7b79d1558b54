"""The hub's errors: one base, a stable machine-readable code per kind.

They are translated once, at the edge: into GraphQL error ``extensions`` by the schema layer
and into HTTP statuses by the request pipeline. Each kind also names the audit record's outcome
for a request it ends or mars. Messages never carry a disclosed value.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

#: An audit record's outcome: what became of the request.
Outcome = Literal["ok", "partial", "refused", "unauthenticated", "malformed", "error"]


class HubError(Exception):
    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    http_status: ClassVar[int] = 500
    #: refused: the hub declined to answer (policy, limits, registry); malformed: the input was bad;
    #: error: the hub or an agency failed
    outcome: ClassVar[Outcome] = "error"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions

    def as_extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.extensions}


class ConfigurationError(HubError):
    """Settings that cannot work: a bad URL, an unreadable data folder, a missing key."""

    code = "CONFIGURATION_ERROR"


class BadUserInput(HubError):
    """A malformed identifier, cursor, filter or argument."""

    code = "BAD_USER_INPUT"
    http_status = 400
    outcome = "malformed"


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"
    http_status = 401
    outcome = "unauthenticated"


class Forbidden(HubError):
    code = "FORBIDDEN"
    http_status = 403
    outcome = "refused"


class PurposeNotPermitted(Forbidden):
    code = "PURPOSE_NOT_PERMITTED"


class JustificationRequired(Forbidden):
    code = "JUSTIFICATION_REQUIRED"


class FieldNotShared(HubError):
    """A field the agreement does not release to this caller for this purpose."""

    code = "FIELD_NOT_SHARED"
    http_status = 200
    outcome = "partial"


class FilterNotPermitted(Forbidden):
    """Filtering, sorting or looking up by a field the caller may not read."""

    code = "FILTER_NOT_PERMITTED"


class PersonLevelNotPermitted(Forbidden):
    """A question about individual people from a caller the agreements allow no person's identity
    (partnership analysts: aggregate outputs only)."""

    code = "PERSON_LEVEL_NOT_PERMITTED"


class AuditUnavailable(HubError):
    """The audit trail cannot be written, so nothing may be disclosed."""

    code = "AUDIT_UNAVAILABLE"
    http_status = 503


class ConnectorUnavailable(HubError):
    code = "CONNECTOR_UNAVAILABLE"
    http_status = 503


class QueryTimeout(HubError):
    """The operation ran past the configured execution time limit and was stopped."""

    code = "QUERY_TIMEOUT"
    http_status = 200

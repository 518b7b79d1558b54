"""Error responses the pipeline gives itself, in the same shape as GraphQL errors."""

from __future__ import annotations

from starlette.responses import JSONResponse

from hub.core.errors import HubError


def error_response(error: HubError, status: int | None = None) -> JSONResponse:
    body = {"data": None, "errors": [{"message": error.message, "extensions": error.as_extensions()}]}
    headers = {"WWW-Authenticate": "Bearer"} if error.http_status == 401 else None
    return JSONResponse(body, status_code=status or error.http_status, headers=headers)

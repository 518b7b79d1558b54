"""Why a token was refused: one code, a reason a client can act on, never the token itself."""

from __future__ import annotations

from typing import Literal

from hub.core.errors import Forbidden

Reason = Literal["malformed", "bad_signature", "expired", "not_yet_valid", "wrong_issuer", "wrong_audience",
                 "missing_claim", "unknown_role", "role_not_of_agency", "unknown_key", "unsupported_algorithm"]


class InvalidToken(Forbidden):
    code = "INVALID_TOKEN"

    def __init__(self, message: str, reason: Reason) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason

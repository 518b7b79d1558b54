"""Who is calling, as a verified token says."""

from __future__ import annotations

from dataclasses import dataclass

from policies.vocabulary import AGENCIES

__all__ = ["AGENCIES", "KINDS", "MAX_SUBJECT", "Principal"]

KINDS = ("user", "service")
#: The longest user or client id a token may carry: the audit trail's actor column holds no more.
MAX_SUBJECT = 200


@dataclass(frozen=True)
class Principal:
    subject: str  # the user id, or the partner system's client id
    kind: str  # "user" or "service"
    agency: str
    roles: tuple[str, ...]
    token_id: str | None = None

"""The identifier schemes of the registered agencies, as the GraphQL enum lookups take."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from connectors.registry import SCHEMES


def _enum_name(scheme: str) -> str:
    """``pncId`` -> ``PNC_ID``."""
    return "".join(f"_{c}" if c.isupper() else c.upper() for c in scheme)


if TYPE_CHECKING:
    class IdentifierScheme(Enum):
        value: str
else:
    IdentifierScheme = strawberry.enum(Enum("IdentifierScheme", {_enum_name(name): name for name in SCHEMES}),
                                       description="An agency identifier scheme the person index links")

"""The identifier schemes of the registered agencies, as the GraphQL enum lookups take."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from connectors.registry import SCHEMES
from schema.graph.names import enum_name

if TYPE_CHECKING:
    class IdentifierScheme(Enum):
        value: str
else:
    IdentifierScheme = strawberry.enum(Enum("IdentifierScheme", {enum_name(name): name for name in SCHEMES}),
                                       description="An agency identifier scheme the person index links")

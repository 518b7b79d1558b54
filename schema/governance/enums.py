"""Closed sets several agencies' records share, as GraphQL enums (registered once)."""

from __future__ import annotations

import strawberry

from hub.core.boroughs import Borough

strawberry.enum(Borough, description="A London borough (the 32 and the City of London). The enum name is the "
                                     "borough's name in upper snake case: BARKING_AND_DAGENHAM, CITY_OF_LONDON, "
                                     "RICHMOND_UPON_THAMES...")

__all__ = ["Borough"]

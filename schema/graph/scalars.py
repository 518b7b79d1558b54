"""The graph's DateTime: every value carries its UTC offset.

Some agency systems record naive UTC times (the police system's arrests and intelligence, treatment's
appointments); they leave the hub as UTC, ``+00:00``, like the audit trail's aware times. An input
without an offset is read as UTC, as the agencies' own filters read it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def with_offset(value: datetime) -> str:
    """ISO 8601 with the offset: a naive time is UTC."""
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


DATETIME = ScalarDefinition(
    name="DateTime",
    description="A date and time in ISO 8601 with its UTC offset, e.g. 2026-11-24T06:30:00+00:00. Every "
                "value the hub returns carries its offset; an input without one is read as UTC.",
    specified_by_url=None,
    serialize=with_offset,
    parse_value=DateTimeDefinition.parse_value,
    parse_literal=None,
    origin=datetime,
)

#: The scalars the hub defines its own way (StrawberryConfig.scalar_map).
SCALARS: dict[object, ScalarDefinition] = {datetime: DATETIME}

"""What the graph needs of an agency: its record's GraphQL type and how a released record is built."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry

from schema.governance.release import Released


@dataclass(frozen=True, slots=True)
class Reader:
    """Whom an agency record is built for."""

    person_id: str
    #: the caller's agency; None when governance is off (the hub's own benchmarks and tools)
    agency: str | None


@strawberry.input(description="An inclusive date range; either end may be left open")
class DateRange:
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


@dataclass(frozen=True)
class PeopleFilterField:
    """A people filter an agency answers: an input field of ``PeopleFilter`` and the record field it reads.

    Filtering by a field discloses something of it, so the filter needs the same access as reading the field.
    """

    #: its name in ``PeopleFilter`` (``iomCohorts``)
    name: str
    #: its input type (``list[IomCohort] | None``)
    type: Any
    #: the governed field it reads (``PoliceRecord.iomCohort``)
    field_key: str
    description: str | None = None
    #: it tests more of its field than a mask leaves (any licence condition, where victim services see only
    #: exclusion zones), so it is refused where the field is released only masked
    unmasked: bool = False


@dataclass(frozen=True)
class AgencyGraph:
    #: the Strawberry type of the agency's record (``PoliceRecord``)
    type: type
    #: the record as the agreement releases it: ``build(record, released field names, reader)``
    build: Callable[[Any, Released, Reader], Any]
    #: the agencies a record's subject consented to share it with, where the agreements ask for consent
    consent_of: Callable[[Any], frozenset[str]] | None = None
    #: the people filters it answers, and its connector's criteria for the ones a caller set (by name, each
    #: with a value), None when they narrow nothing; it raises BadUserInput for an impossible one
    filters: tuple[PeopleFilterField, ...] = ()
    criteria: Callable[[Mapping[str, Any]], Hashable | None] | None = None

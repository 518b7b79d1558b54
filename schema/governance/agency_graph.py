"""What the graph needs of an agency: its record's GraphQL type and how a released record is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schema.governance.release import Released


@dataclass(frozen=True, slots=True)
class Reader:
    """Whom an agency record is built for."""

    person_id: str
    #: the caller's agency; None when governance is off (the hub's own benchmarks and tools)
    agency: str | None


@dataclass(frozen=True)
class AgencyGraph:
    #: the Strawberry type of the agency's record (``PoliceRecord``)
    type: type
    #: the record as the agreement releases it: ``build(record, released field names, reader)``
    build: Callable[[Any, Released, Reader], Any]
    #: the agencies a record's subject consented to share it with, where the agreements ask for consent
    consent_of: Callable[[Any], frozenset[str]] | None = None

"""An agency as the hub knows it: its descriptor, and the connector interface to its system.

Each agency is one package (connectors/<agency>/) that declares an :class:`Agency` and is
registered once (connectors/registry.py); settings, tokens, the loaders, counts, referrals,
seeding and the bench read the registered descriptors instead of naming agencies themselves.

An agency reached through its own API instead of a database implements the same abstract
class for its agency (e.g. ``PoliceConnector``) and nothing above the connectors changes.
Every load is a batch keyed by the agency's own identifier, so the graph can collect the keys
of a whole page and ask once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.core.capture import Capture

CriteriaT = TypeVar("CriteriaT")

#: A breakdown's value for a person the answering agency holds no record of (or holds none for).
NOT_KNOWN = "not_known"


class SourceUnavailable(Exception):
    """The agency's system did not answer (refused, timed out, or failed the query).

    Carries the agency and the kind of failure only, and is raised without the driver's exception
    chained to it: a driver's message can quote SQL or values.
    """

    def __init__(self, agency: str, failure: str) -> None:
        super().__init__(f"{agency} did not answer ({failure})")
        self.agency = agency
        self.failure = failure


class Connector(ABC, Generic[CriteriaT]):
    agency: ClassVar[str]
    #: the identifier scheme (an ``IdentifierScheme`` value) the agency keys its records by
    key_scheme: ClassVar[str]

    @abstractmethod
    async def search(self, criteria: CriteriaT, among: Collection[str] | None = None) -> set[str]:
        """Keys of the agency's records matching every criterion that is set.

        With ``among``, only those of these keys: the hub asks about a page's worth of candidates
        when a filter is broad, rather than for every match.
        """

    @abstractmethod
    async def caseload(self, user_id: str) -> set[str]:
        """Keys of the records assigned to this member of staff (offender manager, IOM officer...)."""

    @abstractmethod
    async def counts(self, field: str) -> dict[str, int]:
        """How many of the agency's records hold each value of ``field`` (one its descriptor's measures count)."""

    async def order_values(self, field: str) -> dict[str, Any]:
        """Every record's value of ``field`` by agency key; records without one are left out.

        One answer for all records, so an ordered page costs the same whatever its size.
        """
        raise ValueError(f"{self.agency} records cannot be ordered by {field}")

    async def victim_cases(self, user_id: str) -> set[str]:
        """Keys of the records in the victim cases this victim liaison officer holds (probation holds them)."""
        return set()

    async def open_referrals(self, pathway: str) -> set[str]:
        """Keys of records with a referral still open on ``pathway`` (one of the seven pathways), made by this
        agency to another's service. Only an agency that refers people through the hub (probation) has any."""
        return set()

    async def releases(self) -> list[Release]:
        """Every release from custody the agency holds as the authority on it (probation), past and planned.
        Other agencies answer none: their release dates are copies."""
        return []

    async def outcomes(self, field: str, released: Mapping[str, Sequence[date]]) -> dict[str, list[bool | None]]:
        """For each of its records released on the days given (by agency key), whether the outcome ``field``
        (one its descriptor's ``outcomes`` names) held after each, in the order given: None where its
        record cannot say. Keys it does not hold are left out."""
        raise ValueError(f"{self.agency} answers no outcome {field}")

    async def breakdown_values(self, field: str) -> dict[str, str]:
        """Every record's value of ``field`` (one its descriptor's ``breakdowns`` names) by agency key."""
        raise ValueError(f"{self.agency} records cannot be broken down by {field}")

    async def referred(self, on: date) -> set[str]:
        """Keys of the people this agency holds an open referral to its own service for on day ``on`` (a Duty
        to Refer received, a treatment requirement in force...). Most agencies take none through the hub."""
        return set()

    async def with_list(self, keys: Collection[str], name: str
                        ) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
        """The records of ``keys`` and each one's list ``name`` (a field of the descriptor's ``lists``), read
        together: one round trip for a page instead of two. None where the system cannot answer both at
        once; the hub then asks for each. Keys with no record are left out of both."""
        return None

    @abstractmethod
    async def health(self) -> None:
        """Return when the system answers; raise when it does not."""

    @abstractmethod
    async def close(self) -> None: ...


#: Loads an agency's records by key from its connector: ``fetch(connector, keys)``.
Fetch = Callable[[Any, Iterable[str]], Awaitable[dict[str, Any]]]


class Synthesiser(Protocol):
    """Writes an agency's synthetic records, from its own random stream (synthetic.population.Stream), into
    a batch of rows by table (synthetic.population.Batch), about each generated person in turn."""

    def staff(self, stream: Any, out: Any) -> None: ...

    def person(self, person: Any, stream: Any, out: Any) -> None: ...


@dataclass(frozen=True)
class Order:
    """A value people can be ordered by (``PersonOrderField``), which one owner answers for everyone at once."""

    #: the ``PersonOrderField`` value (``OGRS_SCORE``)
    name: str
    #: the owner's name for it: ``Connector.order_values(source_field)`` for an agency
    source_field: str
    #: the governed field whose value decides the order (ordering by it discloses it); None: nothing is
    field_key: str | None
    #: how a value comes back out of a cursor (JSON text: ``int``, ``date.fromisoformat``...)
    parse: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Release:
    """One release from custody: the agency's key, the day, and the values of the breakdowns it answers
    about the release itself (``releaseType``)."""

    key: str
    on: date
    values: Mapping[str, str]


@dataclass(frozen=True)
class Outcome:
    """A partnership outcome measure an agency answers for a release cohort (``Connector.outcomes``)."""

    #: the connector's name for it
    source_field: str
    #: when the outcome is taken, after the release: it is known once this much time has passed
    follow_up: timedelta
    #: the record's fields it is worked out from (GraphQL names), each governed in aggregate
    reads: tuple[str, ...]
    #: what it counts, for the schema and the README
    definition: str


@dataclass(frozen=True)
class Scheme:
    """An identifier scheme an agency keys or holds records by, with the validator of its format."""

    #: the scheme's name in the person index and the API (``pncId``, ``crn``, ``niNumber``...)
    name: str
    description: str
    #: the canonical form of a valid identifier, or ``BadUserInput`` naming what is wrong
    validate: Callable[[str], str]


@dataclass(frozen=True)
class Agency:
    """Everything the layers below the graph know about one agency, declared by its own package."""

    #: ``HUB_<NAME>_DB``, a token's ``agency`` claim, the owner of ``<name>-isa.csv``, the Person field
    name: str
    #: what the agency's system is, for the schema and the README (``Police (PNC, custody, intelligence)``)
    description: str
    #: the agency's identifier schemes, the key its records are keyed by first
    schemes: tuple[Scheme, ...]
    #: the GraphQL type of its record (as the catalogue, policies/fields.csv, names its fields)
    record_type: str
    #: its connector over its own database (an API connector is chosen by configuration instead)
    connect: Callable[[AsyncEngine], Connector[Any]]
    #: its system's tables: the embedded default and the tests create them for synthetic data
    tables: MetaData
    #: the record of a person, by key
    records: Fetch
    #: list fields of the record -> their loads, by the same key
    lists: Mapping[str, Fetch] = field(default_factory=dict)
    #: ``partnershipCounts`` measures it answers -> the countable field of its record
    measures: Mapping[str, str] = field(default_factory=dict)
    #: outcome measures it answers for a release cohort (``partnershipCounts``), by name
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    #: ``CountBreakdown`` values it answers -> the record's field (``Connector.breakdown_values``, or the
    #: release's own values for the agency whose ``releases`` define the cohort)
    breakdowns: Mapping[str, str] = field(default_factory=dict)
    #: the record's field holding the release date, for the agency whose releases define the cohort
    release_field: str | None = None
    #: the values people can be ordered by that it answers
    orders: tuple[Order, ...] = ()
    #: the probation pathway whose open referrals are referrals to its service (condition ``relationship``)
    referral_pathway: str | None = None
    #: writes its synthetic records (the embedded default, tests, the bench)
    synthetic: Synthesiser | None = None
    #: its change capture: outbox triggers and the events they write (hub/events/)
    capture: Capture | None = None

    @property
    def key_scheme(self) -> str:
        return self.schemes[0].name

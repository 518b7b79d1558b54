"""The connector interface: what the hub needs from any agency system.

An agency reached through its own API instead of a database implements the same abstract
class for its agency (e.g. ``PoliceConnector``) and nothing above the connectors changes.
Every load is a batch keyed by the agency's own identifier, so the graph can collect the keys
of a whole page and ask once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from typing import Any, ClassVar, Generic, TypeVar

CriteriaT = TypeVar("CriteriaT")


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

    #: the fields (GraphQL names on the agency's record type) ``counts`` can group by
    countable: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    async def counts(self, field: str) -> dict[str, int]:
        """How many of the agency's records hold each value of ``field`` (one of ``countable``)."""

    #: the values (by name) ``order_values`` can give, for ordering people by them
    orderable: ClassVar[frozenset[str]] = frozenset()

    async def order_values(self, field: str) -> dict[str, Any]:
        """Every record's value of ``field`` (one of ``orderable``) by agency key; records without one are left out.

        One answer for all records, so an ordered page costs the same whatever its size.
        """
        raise ValueError(f"{self.agency} records cannot be ordered by {field}")

    @abstractmethod
    async def health(self) -> None:
        """Return when the system answers; raise when it does not."""

    @abstractmethod
    async def close(self) -> None: ...

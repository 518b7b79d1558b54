"""A caller's people filter as each agency's own criteria.

The filter's fields belong to police, probation and housing; this is where they are checked (a clear
BAD_USER_INPUT for an impossible filter) and split into the criteria each agency's connector answers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from connectors.housing.records import AccommodationStatus, HousingCriteria
from connectors.police.records import IomCohort, PoliceCriteria
from connectors.probation.records import ProbationCriteria
from hub.core.errors import BadUserInput
from hub.core.ogrs import OgrsBand
from hub.services.people import PeopleQuery

MAPPA_LEVELS = frozenset({1, 2, 3})


@dataclass(frozen=True)
class Criteria:
    boroughs: frozenset[str] | None = None
    iom_cohorts: frozenset[IomCohort] | None = None
    mappa_levels: frozenset[int] | None = None
    ogrs_bands: frozenset[OgrsBand] | None = None
    released_from: date | None = None
    released_to: date | None = None
    arrested_since: datetime | None = None
    accommodation_statuses: frozenset[AccommodationStatus] | None = None
    #: only these hub person ids (a caseload or cohort), applied on top of the criteria
    among: frozenset[str] | None = None

    def validate(self) -> None:
        if self.released_from and self.released_to and self.released_from > self.released_to:
            raise BadUserInput("releasedBetween: `from` is after `to`", argument="filter")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset) and not value and f.name != "among":
                raise BadUserInput(f"filter list `{f.name}` is empty: omit it to match everyone", argument="filter")
        if self.mappa_levels and not self.mappa_levels <= MAPPA_LEVELS:
            raise BadUserInput("MAPPA levels are 1, 2 or 3", argument="filter")

    def to_query(self) -> PeopleQuery:
        """The agencies to ask and what to ask each (after :meth:`validate`)."""
        self.validate()
        asked = (
            ("police", PoliceCriteria(iom_cohorts=self.iom_cohorts, arrested_since=self.arrested_since),
             PoliceCriteria()),
            ("probation", ProbationCriteria(self.mappa_levels, self.ogrs_bands, self.released_from,
                                            self.released_to), ProbationCriteria()),
            ("housing", HousingCriteria(boroughs=self.boroughs, accommodation_statuses=self.accommodation_statuses),
             HousingCriteria()),
        )
        return PeopleQuery(tuple((agency, c) for agency, c, nothing in asked if c != nothing), self.among)

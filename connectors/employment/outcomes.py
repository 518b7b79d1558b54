"""The board's employment outcomes: in work (a job started by the day and not ended before it) six weeks
and six months after a release from custody, the release date being probation's."""

from __future__ import annotations

from connectors.employment.connector import SIX_MONTHS, SIX_WEEKS
from hub.core.agency import Outcome

OUTCOMES = {
    "EMPLOYED_6_WEEKS": Outcome(
        "employedSixWeeksAfterRelease", SIX_WEEKS, ("employedSixWeeksAfterRelease",),
        "in work (a job started on or before the day and not ended before it) 42 days after release"),
    "EMPLOYED_6_MONTHS": Outcome(
        "employedSixMonthsAfterRelease", SIX_MONTHS, ("employedSixMonthsAfterRelease",),
        "in work 182 days after release"),
}

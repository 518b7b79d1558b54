"""The board's treatment outcome: engaged within 21 days of release (an episode started, or an appointment
attended, from the day of release to 21 days after it), the release date being probation's."""

from __future__ import annotations

from connectors.treatment.connector import ENGAGEMENT_WINDOW
from hub.core.agency import Outcome

OUTCOMES = {
    "TREATMENT_WITHIN_21_DAYS": Outcome(
        "engagedWithin21DaysOfRelease", ENGAGEMENT_WINDOW, ("engagedWithin21DaysOfRelease",),
        "an episode started, or an appointment attended, from the day of release to 21 days after it"),
}

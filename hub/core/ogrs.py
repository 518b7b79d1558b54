"""OGRS bands: the one definition of the partnership's bands of reoffending probability.

OGRS (Offender Group Reconviction Scale) gives a two-year proven reoffending probability in whole
percent. The partnership scopes IOM by band (DOMAIN.md): LOW under 50, MEDIUM 50-74, HIGH 75 and over.
Probation's records, the agreements' ``band`` mask, the people filter and the counts all band scores
here, in Python and in SQL, so the edges cannot drift apart.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement


class OgrsBand(Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @classmethod
    def of(cls, score: int) -> OgrsBand:
        for lowest, band in EDGES:
            if score >= lowest:
                return band
        return cls.LOW

    @property
    def score_range(self) -> tuple[int, int]:
        """The whole percentages in the band, both ends included."""
        lowest = next(edge for edge, band in (*EDGES, (0, OgrsBand.LOW)) if band is self)
        above = [edge for edge, _ in EDGES if edge > lowest]
        return lowest, (min(above) - 1 if above else 100)


#: (lowest score, band), highest band first; below the last edge is LOW.
EDGES: tuple[tuple[int, OgrsBand], ...] = ((75, OgrsBand.HIGH), (50, OgrsBand.MEDIUM))


def band_of_column(score: ColumnElement[Any]) -> ColumnElement[str]:
    """The band of a score column as SQL, computed where the scores are."""
    return case(*((score >= lowest, band.value) for lowest, band in EDGES), else_=OgrsBand.LOW.value)

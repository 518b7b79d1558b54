"""The board's reoffending outcome: proven reoffending within 12 months of release.

An arrest on or after the day of release and within 365 days of it that was proven: charged and convicted
(``connectors.police.connector.proven``). Unlike the Ministry of Justice's proven reoffending measure, a
caution is not proven here, and no extra six months are waited for court results: an arrest in the window
still undecided leaves the outcome not known, unless another in the window was proven.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from hub.core.agency import Outcome

TWELVE_MONTHS = timedelta(days=365)

OUTCOMES = {
    "PROVEN_REOFFENDING_12_MONTHS": Outcome(
        "provenReoffendingTwelveMonths", TWELVE_MONTHS, ("arrests",),
        "an arrest within 365 days of release that was charged and convicted (cautions excluded, unlike the "
        "MoJ measure); an undecided arrest in the window and none proven: not known"),
}


def reoffended(arrests: Iterable[tuple[date, bool | None]], released: date) -> bool | None:
    """``arrests``: (day, proven) pairs. True if one in the window was proven; None if one is undecided."""
    window = [proven for day, proven in arrests if released <= day <= released + TWELVE_MONTHS]
    if any(p is True for p in window):
        return True
    return None if any(p is None for p in window) else False

"""How many people a change to the agreements could reach: those whose records hold the changed group."""

from __future__ import annotations

from collections.abc import Iterable

from hub.services.agencies import Agencies
from hub.services.index.store import PersonIndex


async def people_holding(index: PersonIndex, agencies: Agencies, owners: Iterable[str]) -> dict[str, int]:
    """People with a record of each owner today (``all``: everyone the person index links)."""
    found = {}
    for owner in set(owners):
        if owner == "all":
            found[owner] = await index.count()
        else:
            found[owner] = len(set((await index.links(agencies[owner].key_scheme)).values()))
    return found

"""Open referrals to an agency's service: half of a legitimate relationship (condition ``relationship``).

DOMAIN.md's "R": some fields reach a housing officer or a treatment keyworker only for people on
their caseload or with an open referral to their service. A referral is made to the service, not
to one officer (whoever picks it up must know who it is for), so this half is the same for
everyone in the agency; the caseload half is the caller's own (hub.services.caseload). Open, here:
- housing: a probation referral on the accommodation pathway still open, or a Duty to Refer
  (Homelessness Reduction Act 2017) that housing holds as received or accepted, not closed;
- treatment: a probation referral on the drugs and alcohol pathway still open, or a treatment
  requirement (DRR, ATR, MHTR) in force today.
Other agencies take no referrals through the hub: their relationships are their caseloads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, date, datetime

from hub.services.agencies import Agencies
from hub.services.index.store import PersonIndex


async def referred_to(agencies: Agencies, index: PersonIndex, agency: str, on: date | None = None
                      ) -> frozenset[str]:
    """Hub person ids with an open referral to ``agency``'s service on day ``on`` (today, UTC).

    The agency's descriptor names the pathway whose open referrals (probation's) reach its service; its own
    connector names the referrals it holds itself.
    """
    descriptor = agencies.descriptors.get(agency)
    if descriptor is None or descriptor.referral_pathway is None:
        return frozenset()
    pathway, day = descriptor.referral_pathway, on or datetime.now(UTC).date()

    async def people(scheme: str, keys: Awaitable[set[str]]) -> set[str]:
        return await index.resolve(scheme, await keys)

    found = await asyncio.gather(
        people(agencies[agency].key_scheme, agencies[agency].referred(day)),
        *(people(c.key_scheme, c.open_referrals(pathway)) for c in agencies.values()))
    return frozenset(set().union(*found))

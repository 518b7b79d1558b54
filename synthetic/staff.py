"""The partnership's synthetic staff: well-known ids, so a developer can mint a token and see data.

Each agency's synthesiser sizes its own staff to the run (``om-001``..., ``iom-officer-001``...) and
assigns the first few generated people to the first of them, so a token for ``om-001``,
``iom-officer-001``, ``housing-officer-001``, ``keyworker-001`` or ``victim-liaison-001`` shows
caseload-conditional fields straight away (README's examples use them). Two kinds of staff follow the
people's story instead: ``mappa-coordinator-001``... (probation) review the level 1 MAPPA cases of the
boroughs of their area, and ``prison-healthcare-001``... (treatment, one team per establishment, in
``synthetic.london.ESTABLISHMENTS`` order) care for the clients held there or released within 28 days.
"""

from __future__ import annotations

import random

from synthetic.names import FEMALE_FORENAMES, MALE_FORENAMES, SURNAMES


def staff_name(rng: random.Random) -> str:
    return f"{rng.choice(MALE_FORENAMES + FEMALE_FORENAMES)} {rng.choice(SURNAMES)}"

"""The partnership's synthetic staff: well-known ids, so a developer can mint a token and see data.

Each agency's synthesiser sizes its own staff to the run (``om-001``..., ``iom-officer-001``...) and
assigns the first few generated people to the first of them, so a token for ``om-001``,
``iom-officer-001``, ``housing-officer-001``, ``keyworker-001`` or ``victim-liaison-001`` shows
caseload-conditional fields straight away (README's examples use them).
"""

from __future__ import annotations

import random

from synthetic.names import FEMALE_FORENAMES, MALE_FORENAMES, SURNAMES


def staff_name(rng: random.Random) -> str:
    return f"{rng.choice(MALE_FORENAMES + FEMALE_FORENAMES)} {rng.choice(SURNAMES)}"

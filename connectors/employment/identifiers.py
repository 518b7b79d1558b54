"""The National Insurance number: the employment service's key.

Format ``AA999999A``: two prefix letters, six digits, a suffix A-D. The first letter is not D, F, I, Q, U
or V; the second not D, F, I, O, Q, U or V; the prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued.
"""

from __future__ import annotations

import re

from hub.core.errors import BadUserInput

SCHEME = "niNumber"
FIRST = "ABCEGHJKLMNOPRSTWXYZ"
SECOND = "ABCEGHJKLMNPRSTWXYZ"
NOT_ISSUED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NI = re.compile(r"^([A-Z]{2})(\d{6})([A-D])$")


def validate_ni_number(value: str) -> str:
    """The canonical form (capitals, no spaces) of a valid National Insurance number."""
    v = value.replace(" ", "").upper()
    m = _NI.match(v)
    if not m:
        raise BadUserInput("Not a National Insurance number: two letters, six digits, then A, B, C or D",
                           scheme=SCHEME)
    prefix = m[1]
    if prefix[0] not in FIRST or prefix[1] not in SECOND or prefix in NOT_ISSUED:
        raise BadUserInput("Not a National Insurance number: that prefix is never issued", scheme=SCHEME)
    return v

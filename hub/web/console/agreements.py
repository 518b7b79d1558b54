"""The agreements as information governance reads them: the live matrix, and what a candidate would change.

The matrix is the policy version in force, one row per role, purpose it may state and field group; the
impact of a candidate is ``hub policy diff``'s cells (policies/diff.py) with the number of people whose
records hold each group today (everyone the person index links for shared identity).
"""

from __future__ import annotations

from collections import Counter

from policies.diff import CellChange


def counts_by_kind(changes: list[CellChange]) -> dict[str, int]:
    return dict(Counter(c.kind for c in changes))


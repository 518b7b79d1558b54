"""Equal output, checked value by value before anything is timed.

A ratio between two contenders means something only if both did the same work: the governed hub
under the equal-work agreement (bench/agreement.py), the hub with governance off and the bare server
must return the same answer to the same query. This compares parsed JSON answers and names the paths
where they differ, never the values (the data is synthetic, but a benchmark log is still a log).
"""

from __future__ import annotations

from typing import Any


class UnequalOutput(Exception):
    """Two contenders answered the same query differently: their timings are not comparable."""


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Paths at which ``a`` and ``b`` differ (types, keys, lengths or values), at most a few per list."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only in one answer" for k in sorted(a.keys() ^ b.keys())]
        for k in sorted(a.keys() & b.keys()):
            out += differences(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    if type(a) is not type(b) or a != b:
        return [path or "(the whole answer)"]
    return []


def require_equal(scenario: str, answers: dict[str, Any]) -> None:
    """Raise UnequalOutput unless every contender's answer equals the first one's."""
    (first, expected), *others = answers.items()
    for name, answer in others:
        found = differences(expected, answer)
        if found:
            shown = "; ".join(found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
            raise UnequalOutput(f"{scenario}: {name} and {first} answer differently at {shown}")

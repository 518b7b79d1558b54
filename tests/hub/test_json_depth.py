"""Nesting depth found without parsing: exact for well-formed JSON, strings ignored."""

from __future__ import annotations

import json

import pytest

from hub.core.json_depth import too_deep


def depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@pytest.mark.parametrize("value", [
    1, "[[{", [], {}, [[]], [[], [[[]]]], {"a": [{"b": [1, 2]}, {"c": {}}]},
    {"query": "{ a { b { c } } }" * 30, "variables": {"v": [["]]]", "\\\"[[["]]}},
    [[[[[[[[1]]]]]]]], [[[[[[[[[]]]]]]]]] * 3,
])
def test_exact_for_well_formed_json(value: object) -> None:
    text = json.dumps(value)
    d = depth(value)
    for limit in range(10):
        assert too_deep(text, limit) == (d > limit), (text, limit)
        assert too_deep(text.encode(), limit) == (d > limit)


@pytest.mark.parametrize(("text", "limit", "deep"), [
    ("[" * 100, 64, True),                   # never closed: the parser descends all the same
    ("[" * 10, 64, False),
    ("[" * 30 + "[]" * 5 + "[[[]]]" * 5, 32, True),  # 30 unclosed around 3 more levels
    ('"' + "[" * 100, 5, True),            # an unterminated string hides nothing
])
def test_unbalanced_text(text: str, limit: int, deep: bool) -> None:
    assert too_deep(text, limit) is deep

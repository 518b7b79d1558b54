"""How deeply a JSON text nests, found without parsing it.

Python's json parser recurses once per level and raises RecursionError (not a JSONDecodeError)
a thousand or so levels down, which surfaces as a 500. Every JSON text an attacker controls (a
request body, a cursor) is checked here first, in time linear in its length and done in C:
strings are dropped, every other byte but brackets is deleted, and innermost pairs are removed
one level per pass, at most ``limit`` passes.
"""

from __future__ import annotations

import re

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
#: maps both kinds of bracket to one kind (a mismatch is the parser's to report) and deletes the rest
_TABLE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def too_deep(text: bytes | str, limit: int) -> bool:
    """Whether ``text`` nests arrays and objects more than ``limit`` levels deep.

    Unbalanced text counts its unclosed openers on top of the levels already removed: it is
    malformed either way, and the parser descends through them before it can say so."""
    raw = text.encode() if isinstance(text, str) else text
    if sum(raw.count(c) for c in (b"[", b"{")) <= limit:
        return False  # fewer openers than the limit: cannot be deeper, whatever the strings hold
    brackets = _STRING.sub(b"", raw).translate(_TABLE, _NOT_BRACKETS)
    for passes in range(limit + 1):
        shorter = brackets.replace(b"[]", b"")
        if shorter == brackets:
            return passes + brackets.count(b"[") > limit
        brackets = shorter
    return True

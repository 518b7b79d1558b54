"""Making the free text a request brings with it safe to store, read and export.

A justification, user agent or purpose is whatever the caller sent. Stored as sent, a control
character could rewrite the terminal of whoever runs ``hub audit subject``, a line break could
forge a line in a text export, a right-to-left override could make a record read differently than
it is, and a 6,000-character purpose could fill the trail. So before a record is stored:

- control and invisible formatting characters (Unicode Cc, Cf, Zl, Zp: NUL, ESC, CR, LF, DEL,
  bidirectional overrides, zero-width characters, line separators; and lone surrogates, Cs) are
  written as escapes: ``\\n``,
  ``\\r``, ``\\t``, ``\\xNN`` or ``\\uNNNN``; a backslash is doubled, so an escape can always be
  told from text that merely looks like one;
- each value is cut to the maximum below (after escaping, never inside an escape); a cut value
  ends with ``…``.

The store applies this to every record it appends (audit/store.py), whoever built the record.
Exports to spreadsheets also neutralise formulas: see :func:`csv_safe`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any, Final

from audit.record import AuditEvent

#: The most characters of each free-text value a record keeps (README: "Audit records").
MAX_ACTOR_ID: Final = 200
MAX_PURPOSE: Final = 64
MAX_JUSTIFICATION: Final = 500
MAX_USER_AGENT: Final = 200
MAX_OPERATION_NAME: Final = 256
MAX_SOURCE_ADDRESS: Final = 64
MAX_ID: Final = 64

LIMITS: Final = {
    "actor_id": MAX_ACTOR_ID, "purpose": MAX_PURPOSE, "justification": MAX_JUSTIFICATION,
    "user_agent": MAX_USER_AGENT, "operation_name": MAX_OPERATION_NAME, "source_address": MAX_SOURCE_ADDRESS,
    "trace_id": MAX_ID, "request_id": MAX_ID, "policy_version": MAX_ID,
}

CUT = "…"
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})  # Cs: a lone surrogate would not even encode
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _escaped(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    if unicodedata.category(ch) not in _HIDDEN:
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, ending with ``…`` if it was longer."""
    return text if len(text) <= limit else text[: limit - len(CUT)] + CUT


def clean(text: str, limit: int) -> str:
    """``text`` with hidden characters escaped, at most ``limit`` characters long."""
    if len(text) <= limit and text.isprintable() and "\\" not in text:
        return text  # the usual case: nothing to escape or cut
    # Each character escapes to at least one, so only the first limit + 1 can reach the result.
    pieces = [_escaped(ch) for ch in text[: limit + 1]]
    if len(text) <= limit and sum(map(len, pieces)) <= limit:
        return "".join(pieces)
    kept: list[str] = []
    used = 0
    for piece in pieces:
        if used + len(piece) > limit - len(CUT):
            break
        kept.append(piece)
        used += len(piece)
    return "".join(kept) + CUT


def sanitised(event: AuditEvent) -> AuditEvent:
    """The event with every free-text value escaped and bounded (the rest is hub-made and left alone)."""
    changes: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        value = getattr(event, name, None)  # (a field this version of the record lacks is skipped)
        if isinstance(value, str):
            safe = clean(value, limit)
            if safe != value:
                changes[name] = safe
    return replace(event, **changes) if changes else event


#: A spreadsheet takes a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading ``'``."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell

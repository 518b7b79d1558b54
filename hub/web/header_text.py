"""Request headers as text: UTF-8, as clients send it, not the latin-1 HTTP defaults to.

Starlette's ``Headers`` hands values over decoded as latin-1, which turns a UTF-8 "é" into "Ã©".
Free text (purpose, justification, user agent) is re-decoded as UTF-8; bytes that are not UTF-8
become U+FFFD rather than failing the request. Values are cut to the audit record's maximum here,
so nothing longer travels with the request; escaping happens once, as the record is stored
(audit/sanitise.py).
"""

from __future__ import annotations

from starlette.datastructures import Headers

from audit.sanitise import cut


def header_text(headers: Headers, name: str, limit: int) -> str:
    """The header's value as UTF-8 text, trimmed and at most ``limit`` characters ("" if absent)."""
    raw = headers.get(name)
    if raw is None:
        return ""
    return cut(raw.encode("latin-1").decode("utf-8", errors="replace").strip(), limit)

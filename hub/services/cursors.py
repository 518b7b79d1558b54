"""Opaque pagination cursors: one codec for every connection, tagged with its kind and a version.

A cursor is ``<kind>:v1:<key>`` in unpadded URL-safe base64. Decoding checks the kind, so a cursor
from one connection (or one order) is refused by another, and the key's own shape, so a forged
cursor is a clear BAD_USER_INPUT rather than a query on a value the hub never issued.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from hub.core.errors import BadUserInput

VERSION = "v1"
_PERSON_ID = re.compile(r"^H\d{8}$")
_SEQ = re.compile(r"^[0-9]{1,18}$")


def encode(kind: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{VERSION}:{key}".encode()).decode().rstrip("=")


def decode(kind: str, cursor: str, valid: Callable[[str], bool] = lambda _k: True) -> str:
    """The key ``cursor`` carries, if it is a ``kind`` cursor of this version with a valid key."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput("`after` is not a cursor this API issued", argument="after") from None
    prefix = f"{kind}:{VERSION}:"
    key = raw[len(prefix):]
    if not raw.startswith(prefix) or not valid(key):
        raise BadUserInput("`after` is not a cursor this API issued", argument="after")
    return key


def valid_person_id(person_id: str) -> bool:
    return bool(_PERSON_ID.match(person_id))


def encode_person(person_id: str) -> str:
    return encode("person", person_id)


def decode_person(cursor: str) -> str:
    return decode("person", cursor, valid_person_id)


def encode_audit(seq: int) -> str:
    """An audit record's place in the trail (its sequence number)."""
    return encode("audit", str(seq))


def decode_audit(cursor: str) -> int:
    return int(decode("audit", cursor, lambda k: bool(_SEQ.match(k))))

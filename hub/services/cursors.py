"""Opaque, versioned pagination cursors."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from hub.core.errors import BadUserInput

_PERSON_ID = re.compile(r"^H\d{8}$")


def encode(kind: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:v1:{key}".encode()).decode().rstrip("=")


def decode(kind: str, cursor: str, valid: Callable[[str], bool] = lambda _k: True) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput("`after` is not a cursor this API issued", argument="after") from None
    prefix = f"{kind}:v1:"
    key = raw[len(prefix):]
    if not raw.startswith(prefix) or not valid(key):
        raise BadUserInput("`after` is not a cursor this API issued", argument="after")
    return key


def encode_person(person_id: str) -> str:
    return encode("person", person_id)


def decode_person(cursor: str) -> str:
    return decode("person", cursor, lambda k: bool(_PERSON_ID.match(k)))


def valid_person_id(person_id: str) -> bool:
    return bool(_PERSON_ID.match(person_id))

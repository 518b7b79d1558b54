"""The console's sign-in, held in one encrypted cookie: the officer's token, the justification they gave,
a CSRF token for the forms, and when it expires. Nothing else.

The cookie is sealed with AES-GCM (a fresh nonce per cookie) under a key derived from the console key,
which is generated once under the data folder's keys (never in the repository): the bearer token cannot
be read from the cookie (a browser profile, a proxy log), and a cookie sealed with another key, altered,
or past its time (the expiry is inside the sealed text) is no sign-in at all.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_FILE = "console-session.key"
COOKIE = "hub_console"
#: the sign-in form's own CSRF token, before there is a session
PRE_COOKIE = "hub_console_signin"
PRE_SECONDS = 600
#: bound into every sealed cookie, so a value sealed for anything else under the same key does not open
SEALED_FOR = b"hub console session v1"
NONCE_BYTES = 12


@dataclass(frozen=True)
class Session:
    token: str  # empty for the sign-in form's pre-session
    justification: str
    csrf: str
    expires: int  # Unix seconds

    @classmethod
    def start(cls, token: str, justification: str, seconds: int) -> Session:
        return cls(token, justification, secrets.token_urlsafe(24), int(time.time()) + seconds)

    def csrf_matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf, given or "")


def session_key(keys_dir: Path) -> bytes:
    """The key cookies are signed with, made on first use (readable by this user only).

    Written whole under a private name, then linked into place: workers starting together all end up
    with the one key that won, never with a half-written file.
    """
    path = keys_dir / KEY_FILE
    if not path.is_file():
        keys_dir.mkdir(parents=True, exist_ok=True)
        draft = keys_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key is in place: use it
        finally:
            draft.unlink()
    return path.read_bytes()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cookie_key(key: bytes) -> AESGCM:
    """The cookie cipher: its own key derived from the console key (HKDF-SHA256), never the key itself."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEALED_FOR).derive(key)
    return AESGCM(derived)


def seal(session: Session, key: bytes) -> str:
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(asdict(session), separators=(",", ":")).encode()
    return _b64(nonce + cookie_key(key).encrypt(nonce, plain, SEALED_FOR))


def unseal(cookie: str | None, key: bytes) -> Session | None:
    """The session a cookie carries, if it was sealed with ``key``, is unaltered and not yet expired."""
    if not cookie:
        return None
    try:
        raw = _unb64(cookie)
        if len(raw) <= NONCE_BYTES:
            return None
        plain = cookie_key(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], SEALED_FOR)
        fields = json.loads(plain)
        session = Session(str(fields["token"]), str(fields["justification"]), str(fields["csrf"]),
                          int(fields["expires"]))
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None
    return session if session.expires > time.time() else None

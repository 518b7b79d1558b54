"""The console's sign-in, held in one signed cookie: the officer's token, the justification they gave,
a CSRF token for the forms, and when it expires. Nothing else.

The signing key is generated once under the data folder's keys (never in the repository); a cookie
signed with another key, altered, or past its time is no sign-in at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

KEY_FILE = "console-session.key"
COOKIE = "hub_console"
#: the sign-in form's own CSRF token, before there is a session
PRE_COOKIE = "hub_console_signin"
PRE_SECONDS = 600


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


def seal(session: Session, key: bytes) -> str:
    body = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def unseal(cookie: str | None, key: bytes) -> Session | None:
    """The session a cookie carries, if it is signed with ``key`` and not yet expired."""
    if not cookie or "." not in cookie:
        return None
    body, _, mac = cookie.partition(".")
    if not hmac.compare_digest(_b64(hmac.new(key, body.encode(), hashlib.sha256).digest()), mac):
        return None
    try:
        fields = json.loads(_unb64(body))
        session = Session(str(fields["token"]), str(fields["justification"]), str(fields["csrf"]),
                          int(fields["expires"]))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires > time.time() else None

"""The variables digest: what the audit record keeps of a request's variables.

A plain SHA-256 of the variables gives nothing away only while the variables are unguessable, and
they are not: a CRN is one letter and six digits, so the 26 million candidates are hashed in about
a second and the hash names the person. The digest is therefore an HMAC-SHA256 under a secret the
deployment holds and the trail's readers do not. Information governance can still see that two
requests sent the same variables (the same key gives the same digest), but nobody holding only the
trail can test a guess.

Where the secret comes from:

- ``HUB_AUDIT_DIGEST_KEY_FILE``: a file holding it (a mounted Kubernetes secret, say), at least
  32 bytes of random text such as ``openssl rand -hex 32``; surrounding whitespace is ignored.
  Production refuses to start without one, as it refuses development JWT keys.
- Otherwise, outside production, ``audit-digest.key`` in the data folder's keys directory,
  generated on first use (mode 0600) and never committed.

Rotating the secret is allowed but breaks matching across the change: digests made under the old
key no longer equal new ones for the same variables.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.core.errors import ConfigurationError
from hub.core.keyfiles import MIN_KEY_BYTES, load_secret
from hub.core.settings import Settings

KEY_FILE = "audit-digest.key"


def canonical_variables(variables: Mapping[str, Any] | None) -> bytes:
    """One serialisation whatever order or spacing the client sent, so repeats digest alike."""
    text = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.encode()


@dataclass(frozen=True)
class VariablesDigest:
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_BYTES:
            raise ConfigurationError(f"the audit digest key must be at least {MIN_KEY_BYTES} bytes")

    def __call__(self, variables: Mapping[str, Any] | None) -> str:
        return hmac.new(self.key, canonical_variables(variables), hashlib.sha256).hexdigest()

    def document(self, text: str) -> str:
        """The query's digest: a literal written into a query (an identifier, say) is as guessable as a
        variable, so the document is keyed the same way."""
        return hmac.new(self.key, b"document\x00" + text.encode(), hashlib.sha256).hexdigest()


def load_digest(settings: Settings) -> VariablesDigest:
    """The deployment's digest: from ``HUB_AUDIT_DIGEST_KEY_FILE``, or outside production the data folder's key."""
    return VariablesDigest(load_secret(
        settings.audit_digest_key_file, keys_dir=settings.keys_dir, file_name=KEY_FILE,
        production=settings.environment == "production", name="audit digest", variable="HUB_AUDIT_DIGEST_KEY_FILE"))

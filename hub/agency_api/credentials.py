"""The agency service's OAuth2 client credentials: the hub's client secret, and the access tokens it issues.

The service is its own authorisation server for one client (the hub): ``POST /oauth/token`` with
``grant_type=client_credentials`` and the client's id and secret (HTTP Basic, RFC 6749 2.3.1) answers a
short-lived Ed25519-signed JWT for the scope ``records.read``; every API call must carry one, verified as
the hub verifies its own callers (signature, expiry, issuer, audience, then the scope and the client).
Outside production the signing key and the client secret are generated under the data folder's keys on
first use, where the hub (same data folder) finds the secret; production refuses generated ones.
"""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.core.errors import ConfigurationError
from hub.core.keyfiles import create_once
from hub.core.settings import Settings

SCOPE = "records.read"
TOKEN_TTL_SECONDS = 300
LEEWAY_SECONDS = 30
MAX_TOKEN_BYTES = 4096


class TokenRefused(Exception):
    """A bearer token the service does not accept; ``reason`` is one word, safe to answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def issuer(agency: str) -> str:
    return f"{agency}-agency"


def audience(agency: str) -> str:
    return f"{agency}-api"


def client_secret(settings: Settings, agency: str, *, create: bool) -> str:
    """The hub's client secret at this agency: ``HUB_<AGENCY>_CLIENT_SECRET``, else the secret file
    (created with a random secret outside production when ``create``)."""
    service = settings.agency_service(agency)
    if service.client_secret is not None:
        return service.client_secret.get_secret_value().strip()  # a Secret made from a file ends in a newline
    path = settings.client_secret_file(agency)
    if not path.exists():
        if not create or settings.environment == "production":
            raise ConfigurationError(f"no client secret for the {agency} API: set HUB_{agency.upper()}_CLIENT_SECRET "
                                     f"or HUB_{agency.upper()}_CLIENT_SECRET_FILE")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        create_once(path, secrets.token_urlsafe(32).encode(), 0o600)
    return path.read_text().strip()


def signing_key(settings: Settings, agency: str) -> Ed25519PrivateKey:
    """The service's token signing key, ``<agency>-api-signing.pem`` in the keys folder (generated once,
    outside production)."""
    path = settings.keys_dir / f"{agency}-api-signing.pem"
    if not path.exists():
        if settings.environment == "production":
            raise ConfigurationError(f"production needs the {agency} API's signing key provisioned at {path}")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        create_once(path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()), 0o600)
    loaded = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 private key")
    return loaded


@dataclass(frozen=True)
class TokenIssuer:
    agency: str
    client_id: str
    secret: str
    key: Ed25519PrivateKey

    @classmethod
    def from_settings(cls, settings: Settings, agency: str) -> TokenIssuer:
        return cls(agency, settings.agency_service(agency).client_id, client_secret(settings, agency, create=True),
                   signing_key(settings, agency))

    @property
    def public(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def client_matches(self, client_id: str, secret: str) -> bool:
        # Both compared in constant time, and both always: the answer's timing says nothing of which failed.
        ok_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        ok_secret = hmac.compare_digest(secret.encode(), self.secret.encode())
        return ok_id and ok_secret

    def issue(self, ttl: int = TOKEN_TTL_SECONDS) -> str:
        now = int(time.time())
        claims = {"iss": issuer(self.agency), "aud": audience(self.agency), "sub": self.client_id,
                  "scope": SCOPE, "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers={"kid": f"{self.agency}-api"})

    def verify(self, authorization: str | None) -> None:
        """Return if ``authorization`` carries a token this service issued to its client for reading; raise
        :class:`TokenRefused` otherwise."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise TokenRefused("missing")
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRefused("malformed")
        try:
            claims = jwt.decode(token, self.public, algorithms=["EdDSA"], audience=audience(self.agency),
                                issuer=issuer(self.agency), leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iat", "sub", "iss", "aud", "scope"]})
        except jwt.ExpiredSignatureError:
            raise TokenRefused("expired") from None
        except (jwt.InvalidIssuerError, jwt.InvalidAudienceError):
            raise TokenRefused("wrong_issuer_or_audience") from None
        except jwt.PyJWTError:
            raise TokenRefused("invalid") from None
        scopes = str(claims.get("scope", "")).split()
        if SCOPE not in scopes:
            raise TokenRefused("insufficient_scope")
        if claims.get("sub") != self.client_id:
            raise TokenRefused("unknown_client")

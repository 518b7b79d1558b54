"""Development tokens, signed with the data folder's key pair (``hub token``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

import jwt

from hub.core.errors import BadUserInput, ConfigurationError
from hub.core.settings import Settings
from hub.web.auth.authenticator import role_mismatch
from hub.web.auth.keys import ensure_dev_keys
from hub.web.auth.principal import AGENCIES, KINDS
from policies.loader import load_role_agencies, policy_dir
from policies.vocabulary import ROLES

MAX_TTL = 24 * 3600


def issue_dev_token(settings: Settings, *, user: str, agency: str, roles: Sequence[str], ttl: int = 3600,
                    kind: str = "user") -> str:
    if settings.environment == "production":
        raise ConfigurationError("development tokens are not issued in production")
    if not user.strip():
        raise BadUserInput("a user (or client) id is required")
    if agency not in AGENCIES:
        raise BadUserInput(f"agency must be one of {', '.join(AGENCIES)}")
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise BadUserInput(f"unknown role {', '.join(unknown) or '(none given)'}; known roles: {', '.join(ROLES)}")
    foreign = load_role_agencies(policy_dir(settings)).foreign(agency, roles)
    if foreign:
        # The hub would refuse the token (role_not_of_agency): say so now, not at the first request.
        raise BadUserInput(role_mismatch(agency, foreign))
    if kind not in KINDS:
        raise BadUserInput("kind must be user or service")
    if not 1 <= ttl <= MAX_TTL:
        raise BadUserInput(f"ttl must be between 1 and {MAX_TTL} seconds")
    now = int(time.time())
    claims = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": user, "agency": agency,
              "roles": list(roles), "kind": kind, "iat": now, "nbf": now, "exp": now + ttl,
              "jti": uuid.uuid4().hex}
    key = ensure_dev_keys(settings.keys_dir).private
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "hub-dev"})

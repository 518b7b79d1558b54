"""Verifying bearer tokens: signature, expiry, issuer, audience, then the hub's own claims.

Keys come from, in order: a JWKS URL (the identity provider; keys cached, refetched for an unknown
key id), a PEM public key file, or (outside production) the development key pair in the data
folder. Only asymmetric algorithms are accepted, so a public key can never be used as an HMAC
secret, and ``none`` never verifies.

Roles and agency: every role a token names must be one its agency may hold under the policy in
force (policies/agreements/roles.csv), or the token is refused (``role_not_of_agency``). Several
roles are accepted only on those terms, and since a token names one agency, its roles never span
agencies: each role's conditions (caseload, victim cases, referrals) are judged against that one
agency's records for that member of staff, the relationships its rules were written for. A token
mixing agencies' roles (police-iom-officer with probation-practitioner) is refused whole rather than
trimmed. The check runs on every request, after the verified-token cache, so a policy reloaded at
runtime applies at once to tokens already seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import jwt
from cachetools import TLRUCache

from hub.core.errors import ConfigurationError, Unauthenticated
from hub.core.settings import Settings
from hub.web.auth.errors import InvalidToken
from hub.web.auth.keys import ensure_dev_keys, load_public_key
from hub.web.auth.principal import AGENCIES, KINDS, MAX_SUBJECT, Principal
from policies.loader import load_role_agencies, policy_dir
from policies.roles import RoleAgencies
from policies.vocabulary import ROLES

ASYMMETRIC = ["EdDSA", "RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
LEEWAY_SECONDS = 30
MAX_TOKEN_BYTES = 8192
VERIFIED_CACHE = 10_000

_ERRORS: list[tuple[type[Exception], str, str]] = [
    (jwt.ExpiredSignatureError, "expired", "the token has expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid", "the token is not valid yet"),
    (jwt.InvalidIssuerError, "wrong_issuer", "the token was not issued by a trusted issuer"),
    (jwt.InvalidAudienceError, "wrong_audience", "the token is not meant for this hub"),
    (jwt.MissingRequiredClaimError, "missing_claim", "the token lacks a required claim"),
    (jwt.InvalidSignatureError, "bad_signature", "the token's signature does not verify"),
    (jwt.InvalidAlgorithmError, "unsupported_algorithm", "the token's signing algorithm is not accepted"),
    (jwt.PyJWKClientError, "unknown_key", "the token was signed with a key the hub does not know"),
    (jwt.InvalidKeyError, "unknown_key", "the token was signed with a key the hub does not know"),
]

KeyFinder = Callable[[str], Any]
#: The roles each agency may hold, as the policy in force says (read on every request).
RolesInForce = Callable[[], RoleAgencies]


class Authenticator:
    def __init__(self, find_key: KeyFinder, *, issuer: str, audience: str, roles: RolesInForce) -> None:
        self._find_key = find_key
        self.issuer = issuer
        self.audience = audience
        self._roles = roles
        # A partner system sends the same token for its lifetime: verify it once, then until it expires
        # answer from here (the signature cannot have changed; the token's own exp still applies: an
        # entry lives until it, on the wall clock read at each use).
        self._verified: TLRUCache[str, tuple[float, Principal]] = TLRUCache(
            maxsize=VERIFIED_CACHE, ttu=lambda _token, entry, _now: entry[0], timer=lambda: time.time())

    @classmethod
    def from_settings(cls, settings: Settings, roles: RolesInForce | None = None) -> Authenticator:
        """``roles``: the policy in force (a serving hub passes its policy store's); by default the
        configured policy's roles.csv, read once."""
        if roles is None:
            fixed = load_role_agencies(policy_dir(settings))
            roles = lambda: fixed  # noqa: E731
        make = partial(cls, issuer=settings.jwt_issuer, audience=settings.jwt_audience, roles=roles)
        if settings.jwt_jwks_url:
            client = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, lifespan=300, timeout=5)
            return make(lambda token: client.get_signing_key_from_jwt(token).key)
        if settings.jwt_public_key_file is not None:
            try:
                key = load_public_key(settings.jwt_public_key_file)
            except (OSError, ValueError) as exc:
                raise ConfigurationError(f"HUB_JWT_PUBLIC_KEY_FILE cannot be read as a PEM public key: {exc}") from exc
            return make(lambda _token: key)
        if settings.environment == "production":
            raise ConfigurationError("production needs HUB_JWT_JWKS_URL or HUB_JWT_PUBLIC_KEY_FILE: "
                                     "development keys are refused")
        dev = ensure_dev_keys(settings.keys_dir).public
        return make(lambda _token: dev)

    def authenticate(self, authorization_header: str | None) -> Principal:
        if not authorization_header:
            raise Unauthenticated("an Authorization: Bearer <token> header is required")
        scheme, _, token = authorization_header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        if len(token) > MAX_TOKEN_BYTES:
            raise InvalidToken("the token is too long", "malformed")
        cached = self._verified.get(token)
        if cached is not None:
            return self._of_its_agency(cached[1])
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ASYMMETRIC:
                raise InvalidToken("the token's signing algorithm is not accepted", "unsupported_algorithm")
            claims = jwt.decode(
                token, self._find_key(token), algorithms=ASYMMETRIC, audience=self.audience, issuer=self.issuer,
                leeway=LEEWAY_SECONDS, options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except InvalidToken:
            raise
        except jwt.PyJWTError as exc:
            for kind, reason, message in _ERRORS:
                if isinstance(exc, kind):
                    raise InvalidToken(message, reason) from None  # type: ignore[arg-type]
            raise InvalidToken("the token is not a well-formed signed JWT", "malformed") from None
        principal = principal_from(claims)
        self._verified[token] = (float(claims["exp"]), principal)
        return self._of_its_agency(principal)

    def _of_its_agency(self, principal: Principal) -> Principal:
        foreign = self._roles().foreign(principal.agency, principal.roles)
        if foreign:
            raise InvalidToken(role_mismatch(principal.agency, foreign), "role_not_of_agency")
        return principal


def role_mismatch(agency: str, foreign: list[str]) -> str:
    return (f"agency {agency} may not hold role {', '.join(foreign)} (policies/agreements/roles.csv): "
            "every role in a token must belong to the token's agency")


def principal_from(claims: dict[str, Any]) -> Principal:
    subject, agency, roles, kind = claims.get("sub"), claims.get("agency"), claims.get("roles"), \
        claims.get("kind", "user")
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidToken("the token has no subject (sub)", "missing_claim")
    if len(subject) > MAX_SUBJECT or not subject.isprintable():
        # It becomes the audit record's actor: cut or escaped there, it would no longer name one person.
        raise InvalidToken(f"the token's subject (sub) must be at most {MAX_SUBJECT} printable characters",
                           "missing_claim")
    if agency not in AGENCIES:
        raise InvalidToken(f"the token's agency claim must be one of {', '.join(AGENCIES)}", "missing_claim")
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("the token needs a non-empty list of roles", "missing_claim")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidToken(f"the token names {len(unknown)} unknown role(s); known roles: {', '.join(ROLES)}",
                           "unknown_role")
    if kind not in KINDS:
        raise InvalidToken("the token's kind must be user or service", "missing_claim")
    jti = claims.get("jti")
    return Principal(subject=subject, kind=str(kind), agency=str(agency), roles=tuple(dict.fromkeys(roles)),
                     token_id=jti if isinstance(jti, str) else None)

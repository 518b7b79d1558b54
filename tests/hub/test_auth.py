"""Bearer tokens: what verifies, and each way a token is refused, with its reason."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.cli import token as token_cli
from hub.core.errors import BadUserInput, ConfigurationError, Unauthenticated
from hub.core.settings import Settings
from hub.web.auth import Authenticator, InvalidToken, issue_dev_token
from hub.web.auth.keys import PRIVATE_FILE, PUBLIC_FILE, ensure_dev_keys


@pytest.fixture
def dev(tmp_path: Path) -> Settings:
    return Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_ENV": "test"})


def claims(settings: Settings, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": "om-001", "agency": "probation",
            "roles": ["probation-practitioner"], "iat": now, "nbf": now, "exp": now + 600}
    return {k: v for k, v in {**base, **over}.items() if v is not None}


def signed(settings: Settings, **over: Any) -> str:
    return jwt.encode(claims(settings, **over), ensure_dev_keys(settings.keys_dir).private, algorithm="EdDSA")


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def reason(auth: Authenticator, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        auth.authenticate(f"Bearer {token}")
    assert token not in refused.value.message
    return refused.value.reason


def test_a_dev_token_round_trips(dev: Settings) -> None:
    token = issue_dev_token(dev, user="om-001", agency="probation", roles=["probation-practitioner"])
    p = Authenticator.from_settings(dev).authenticate(f"Bearer {token}")
    assert (p.subject, p.kind, p.agency, p.roles) == ("om-001", "user", "probation", ("probation-practitioner",))
    assert p.token_id
    service = issue_dev_token(dev, user="nDelius-feed", agency="probation", roles=["probation-practitioner"],
                              kind="service")
    assert Authenticator.from_settings(dev).authenticate(f"bearer {service}").kind == "service"


def test_dev_keys_are_created_once_private_to_the_user(dev: Settings) -> None:
    first = ensure_dev_keys(dev.keys_dir)
    mode = stat.S_IMODE((dev.keys_dir / PRIVATE_FILE).stat().st_mode)
    assert mode == 0o600 and (dev.keys_dir / PUBLIC_FILE).exists()
    again = ensure_dev_keys(dev.keys_dir)
    raw = serialization.Encoding.Raw
    assert first.public.public_bytes(raw, serialization.PublicFormat.Raw) == \
        again.public.public_bytes(raw, serialization.PublicFormat.Raw)


@pytest.mark.parametrize(("over", "expected"), [
    ({"exp": int(time.time()) - 120}, "expired"),
    # hours ahead: computed at collection, and the full suite runs for more than ten minutes before this
    ({"nbf": int(time.time()) + 6 * 3600}, "not_yet_valid"),
    ({"iss": "someone-else"}, "wrong_issuer"),
    ({"aud": "another-api"}, "wrong_audience"),
    ({"roles": ["superuser"]}, "unknown_role"),
    ({"agency": "police"}, "role_not_of_agency"),
    ({"roles": ["probation-practitioner", "housing-officer"]}, "role_not_of_agency"),
    ({"roles": []}, "missing_claim"),
    ({"agency": "fire-brigade"}, "missing_claim"),
    ({"sub": ""}, "missing_claim"),
    ({"sub": "om-001\x1b[2J"}, "missing_claim"),
    ({"sub": "x" * 201}, "missing_claim"),
    ({"kind": "robot"}, "missing_claim"),
])
def test_each_bad_claim_is_refused_with_its_reason(dev: Settings, over: dict[str, Any], expected: str) -> None:
    assert reason(Authenticator.from_settings(dev), signed(dev, **over)) == expected


def test_missing_exp_or_sub_is_a_missing_claim(dev: Settings) -> None:
    auth = Authenticator.from_settings(dev)
    no_exp = claims(dev)
    del no_exp["exp"]
    key = ensure_dev_keys(dev.keys_dir).private
    assert reason(auth, jwt.encode(no_exp, key, algorithm="EdDSA")) == "missing_claim"


def test_forged_tampered_and_unsigned_tokens_are_refused(dev: Settings) -> None:
    auth = Authenticator.from_settings(dev)
    token = signed(dev)
    header, _payload, signature = token.split(".")
    other = jwt.encode(claims(dev, roles=["ig-officer"]), key=ensure_dev_keys(dev.keys_dir).private,
                       algorithm="EdDSA").split(".")[1]
    assert reason(auth, f"{header}.{other}.{signature}") == "bad_signature"
    stranger = Ed25519PrivateKey.generate()
    assert reason(auth, jwt.encode(claims(dev), stranger, algorithm="EdDSA")) == "bad_signature"
    unsigned = jwt.encode(claims(dev), None, algorithm="none")  # type: ignore[arg-type]
    assert reason(auth, unsigned) == "unsupported_algorithm"
    public_pem = (dev.keys_dir / PUBLIC_FILE).read_bytes()
    # The classic confusion attack: HS256 "signed" with the public key as the secret (PyJWT itself
    # refuses to make one, so it is made by hand).
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}.{b64(json.dumps(claims(dev)))}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert reason(auth, f"{signing_input}.{b64(mac)}") == "unsupported_algorithm"
    assert reason(auth, "not.a.token") == "malformed"
    assert reason(auth, "garbage") == "malformed"


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer   "])
def test_no_bearer_token_is_unauthenticated(dev: Settings, header: str | None) -> None:
    with pytest.raises(Unauthenticated):
        Authenticator.from_settings(dev).authenticate(header)


def test_pem_public_key_file(dev: Settings, tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "idp.pem"
    pem.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    prod = dev.model_copy(update=dict(environment="production", jwt_public_key_file=pem))
    auth = Authenticator.from_settings(prod)
    assert auth.authenticate(f"Bearer {jwt.encode(claims(prod), key, algorithm='RS256')}").subject == "om-001"
    assert reason(auth, signed(prod)) == "unknown_key"  # the dev key means nothing in production
    with pytest.raises(ConfigurationError):
        Authenticator.from_settings(prod.model_copy(update=dict(jwt_public_key_file=tmp_path / "missing.pem")))


def test_production_without_keys_will_not_start(dev: Settings) -> None:
    with pytest.raises(ConfigurationError, match="production"):
        Authenticator.from_settings(dev.model_copy(update=dict(environment="production")))
    with pytest.raises(ConfigurationError):
        issue_dev_token(dev.model_copy(update=dict(environment="production")), user="u", agency="police",
                        roles=["police-iom-officer"])


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key
    server.shutdown()
    server.server_close()


def test_jwks_url(dev: Settings, jwks_server: tuple[str, Any]) -> None:
    url, key = jwks_server
    prod = dev.model_copy(update=dict(environment="production", jwt_jwks_url=url))
    auth = Authenticator.from_settings(prod)
    good = jwt.encode(claims(prod), key, algorithm="RS256", headers={"kid": "idp-1"})
    assert auth.authenticate(f"Bearer {good}").agency == "probation"
    unknown = jwt.encode(claims(prod), key, algorithm="RS256", headers={"kid": "idp-2"})
    assert reason(auth, unknown) == "unknown_key"


def test_token_cli(dev: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    token_cli.configure(parser)
    args = parser.parse_args(["--user", "iom-officer-001", "--agency", "police", "--role", "police-iom-officer"])
    assert token_cli.run(args, dev) == 0
    token = capsys.readouterr().out.strip()
    assert Authenticator.from_settings(dev).authenticate(f"Bearer {token}").subject == "iom-officer-001"
    bad = parser.parse_args(["--user", "x", "--agency", "police", "--role", "chief-constable"])
    assert token_cli.run(bad, dev) == 2
    assert "unknown role" in capsys.readouterr().err
    with pytest.raises(BadUserInput):
        issue_dev_token(dev, user="x", agency="police", roles=["police-iom-officer"], ttl=0)


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, one entry per token PyJWT verifies."""
    calls: list[int] = []
    real_decode = jwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    return calls


def test_a_verified_token_is_reused_until_it_expires(dev: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = Authenticator.from_settings(dev)
    token = signed(dev, exp=int(time.time()) + 60)
    assert auth.authenticate(f"Bearer {token}").subject == "om-001"
    calls = count_decodes(monkeypatch)
    assert auth.authenticate(f"Bearer {token}").subject == "om-001"
    assert calls == []  # answered from the verified cache
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    auth.authenticate(f"Bearer {token}")  # (PyJWT's own clock still says valid)
    assert calls == [1], "past its exp the token was not verified again"


def test_the_verified_cache_is_bounded(dev: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.web.auth.authenticator.VERIFIED_CACHE", 2)
    auth = Authenticator.from_settings(dev)
    tokens = [signed(dev, exp=int(time.time()) + 60 + i) for i in range(3)]
    for token in tokens:
        auth.authenticate(f"Bearer {token}")
    calls = count_decodes(monkeypatch)
    for token in tokens:
        auth.authenticate(f"Bearer {token}")
    assert calls, "three tokens were all kept in a cache of two"

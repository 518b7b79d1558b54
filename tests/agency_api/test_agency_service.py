"""The agency service as a process: only client-credentials tokens it issued for reading get an answer,
its OpenAPI document describes what it answers, and a refusal says a code and nothing else."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from connectors.http.feed import HEAD_PATH, POSITION_AT_PATH, READ_PATH
from connectors.http.interface import endpoints
from connectors.registry import named
from tests.agency_api.services import Running

KEYS = ("arrests", "nominals")


def _key(running: Running) -> Any:
    return serialization.load_pem_private_key((running.secret_file.parent / "police-api-signing.pem").read_bytes(),
                                              password=None)


def _token(key: Any, **claims: Any) -> str:
    now = int(time.time())
    base = {"iss": "police-agency", "aud": "police-api", "sub": "hub", "scope": "records.read", "iat": now,
            "exp": now + 60}
    return jwt.encode({**base, **claims}, key, algorithm="EdDSA")


def _granted(running: Running, secret: str | None = None) -> httpx.Response:
    return httpx.post(f"{running.url}/oauth/token", data={"grant_type": "client_credentials"},
                      auth=("hub", secret if secret is not None else running.secret_file.read_text().strip()))


@pytest.fixture
def police(services: dict[str, Running]) -> Running:
    return services["police"]


def test_the_client_credentials_grant_issues_a_token_that_reads(police: Running) -> None:
    grant = _granted(police)
    assert grant.status_code == 200 and grant.headers["cache-control"] == "no-store"
    body = grant.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "records.read" and body["expires_in"] > 0
    answer = httpx.post(f"{police.url}/v1/caseload", json={"user_id": "iom-officer-001"},
                        headers={"authorization": f"Bearer {body['access_token']}"})
    assert answer.status_code == 200 and answer.json()


def test_a_wrong_secret_or_grant_gets_no_token(police: Running) -> None:
    wrong = _granted(police, "not-the-secret")
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}
    grant = httpx.post(f"{police.url}/oauth/token", data={"grant_type": "password"},
                       auth=("hub", police.secret_file.read_text().strip()))
    assert grant.status_code == 400 and grant.json() == {"error": "unsupported_grant_type"}


@pytest.mark.parametrize("claims", [
    {"exp": int(time.time()) - 3600},  # expired
    {"aud": "probation-api"},  # another agency's
    {"iss": "someone-else"},
    {"scope": "records.write"},
    {"sub": "another-client"},
], ids=["expired", "audience", "issuer", "scope", "client"])
def test_a_token_not_issued_for_reading_here_is_refused(police: Running, claims: dict[str, Any]) -> None:
    answer = httpx.post(f"{police.url}/v1/caseload", json={"user_id": "iom-officer-001"},
                        headers={"authorization": f"Bearer {_token(_key(police), **claims)}"})
    assert answer.status_code == 401 and answer.json() == {"error": "invalid_token"}
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_a_token_signed_with_another_key_or_none_is_refused(police: Running) -> None:
    for header in (f"Bearer {_token(Ed25519PrivateKey.generate())}", "", "Basic aHViOmh1Yg==",
                   "Bearer " + jwt.encode({"sub": "hub"}, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256")):
        answer = httpx.post(f"{police.url}/v1/nominals", json={"pnc_ids": []}, headers={"authorization": header})
        assert answer.status_code == 401 and answer.json() == {"error": "invalid_token"}, header


def test_a_bad_body_gets_a_code_and_none_of_its_values(police: Running) -> None:
    token = _granted(police).json()["access_token"]
    for body in (b'{"pnc_ids": "2001/0000001Z-SECRET"}', b'{"pnc_ids": [], "extra": "SECRET"}', b"{not json SECRET"):
        answer = httpx.post(f"{police.url}/v1/nominals", content=body,
                            headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
        assert answer.status_code == 400 and answer.json() == {"error": "invalid_request"}
        assert "SECRET" not in answer.text


def test_the_openapi_document_describes_every_endpoint_and_its_answers(police: Running, tmp_path: Path) -> None:
    doc = httpx.get(f"{police.url}/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    eps = endpoints(named("police").agency)
    # police captures changes: its change feed is described too
    feed_paths = {READ_PATH, HEAD_PATH, POSITION_AT_PATH}
    assert {ep.path for ep in eps.values()} | {"/v1/health"} | feed_paths == set(doc["paths"])
    flow = doc["components"]["securitySchemes"]["hubClient"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token" and "records.read" in flow["scopes"]
    token = _granted(police).json()["access_token"]
    keys = sorted(httpx.post(f"{police.url}/v1/search", json={"criteria": {}},
                             headers={"authorization": f"Bearer {token}"}).json())[:40]
    bodies = {"nominals": {"pnc_ids": keys}, "arrests": {"pnc_ids": keys}, "warning_markers": {"pnc_ids": keys},
              "intelligence": {"pnc_ids": keys}, "search": {"criteria": {"iom_cohorts": ["fixed"]}},
              "counts": {"field": "iomCohort"}, "order_values": {"field": "latestArrest"},
              "breakdown_values": {"field": "iomCohort"}, "caseload": {"user_id": "iom-officer-001"}}
    for method, body in bodies.items():
        operation = doc["paths"][eps[method].path]["post"]
        request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
        Draft202012Validator({**request_schema, "components": doc["components"]}).validate(body)
        answer = httpx.post(f"{police.url}{eps[method].path}", json=body, headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200, (method, answer.text)
        assert answer.json(), method
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": doc["components"]}).validate(answer.json())
    feed = {READ_PATH: {"after": 0, "limit": 10}, HEAD_PATH: {},
            POSITION_AT_PATH: {"occurred_at": "2026-12-01T00:00:00Z"}}
    for path, body in feed.items():
        operation = doc["paths"][path]["post"]
        request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
        Draft202012Validator({**request_schema, "components": doc["components"]}).validate(body)
        answer = httpx.post(f"{police.url}{path}", json=body, headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200, (path, answer.text)
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        Draft202012Validator({**schema, "components": doc["components"]}).validate(answer.json())


def test_the_change_feed_needs_a_token_and_answers_a_bad_body_with_a_code(police: Running) -> None:
    for header in ("", "Bearer not-a-token", f"Bearer {_token(Ed25519PrivateKey.generate())}"):
        answer = httpx.post(f"{police.url}{READ_PATH}", json={"after": 0}, headers={"authorization": header})
        assert answer.status_code == 401 and answer.json() == {"error": "invalid_token"}
    token = _granted(police).json()["access_token"]
    auth = {"authorization": f"Bearer {token}"}
    for body in ({"after": -1}, {"after": 0, "limit": 100_000}, {"after": "SECRET"}, {"after": 0, "x": "SECRET"}):
        answer = httpx.post(f"{police.url}{READ_PATH}", json=body, headers=auth)
        assert answer.status_code == 400 and answer.json() == {"error": "invalid_request"}
        assert "SECRET" not in answer.text
    head = httpx.post(f"{police.url}{HEAD_PATH}", json={}, headers=auth).json()["position"]
    rows = httpx.post(f"{police.url}{READ_PATH}", json={"after": 0}, headers=auth).json()["rows"]
    assert (rows[-1]["position"] if rows else 0) == head
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)

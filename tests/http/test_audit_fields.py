"""Free text on the audit trail is UTF-8, escaped and bounded; exports open no formulas; outcomes and
actors are right even for requests refused before GraphQL runs."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from audit import cli as audit_cli
from audit.review import export
from audit.sanitise import MAX_JUSTIFICATION, MAX_PURPOSE, MAX_USER_AGENT, clean, csv_safe
from audit.tables import audit_record
from hub.core.db import create_engine
from hub.core.settings import Settings
from tests.http.conftest import Governed

QUERY = {"query": '{ auditIntegrity { ok } }'}


def ig_headers(governed: Governed, justification: bytes, **extra: bytes) -> dict[str, Any]:
    """IG's headers with a justification sent as raw bytes, as a client on the wire would."""
    return {**governed.headers("ig-officer", "audit"), "x-justification": justification, **extra}


async def stored_bodies(settings: Settings) -> list[str]:
    engine = create_engine(settings.audit_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(select(audit_record.c.body).order_by(audit_record.c.seq))).scalars())
    finally:
        await engine.dispose()


async def test_a_utf8_justification_is_stored_as_written(governed: Governed) -> None:
    text = "SAR 2026-77 for Zoë Brontë — Article 15"
    response = await governed.post(QUERY, ig_headers(governed, text.encode()))
    assert response.status_code == 200
    assert (await governed.records())[-1].event.justification == text  # not "ZoÃ« BrontÃ«"


async def test_invalid_utf8_is_replaced_not_a_server_error(governed: Governed) -> None:
    response = await governed.post(QUERY, ig_headers(governed, b"SAR \xff\xfe 12",
                                                     **{"user-agent": b"feed/\xc3"}))
    assert response.status_code == 200
    e = (await governed.records())[-1].event
    assert (e.justification, e.user_agent, e.outcome) == ("SAR \ufffd\ufffd 12", "feed/\ufffd", "ok")


async def test_control_characters_are_escaped_before_storing(governed: Governed, settings: Settings) -> None:
    sneaky = "SAR 12\x1b[2J\x00\u202eevil\\x1b\x7f"
    agent = "curl/8\x1b]0;owned\x07\u2028 (x)"
    response = await governed.post(QUERY, ig_headers(governed, sneaky.encode(), **{"user-agent": agent.encode()}))
    assert response.status_code == 200
    e = (await governed.records())[-1].event
    assert e.justification == "SAR 12\\x1b[2J\\x00\\u202eevil\\\\x1b\\x7f"
    assert e.user_agent == "curl/8\\x1b]0;owned\\x07\\u2028 (x)"
    escape_purpose: dict[str, Any] = {**governed.headers("police-iom-officer", None),
                                      "x-purpose-of-use": b"iom\x1b[31m"}
    refused = await governed.post(QUERY, escape_purpose)
    assert refused.status_code == 403
    assert (await governed.records())[-1].event.purpose == "iom\\x1b[31m"
    for body in await stored_bodies(settings):
        text = json.loads(body)
        assert all(str(v).isprintable() for k, v in text.items() if isinstance(v, str)), body


async def test_every_free_text_value_is_bounded(governed: Governed, settings: Settings) -> None:
    huge = "p" * 6000
    response = await governed.post(QUERY, {**governed.headers("police-iom-officer", None),
                                           "x-purpose-of-use": huge, "x-justification": "j" * 6000,
                                           "user-agent": "u" * 6000})
    assert response.status_code == 403  # purpose not permitted
    assert huge not in response.text
    e = (await governed.records())[-1].event
    assert e.purpose == "p" * (MAX_PURPOSE - 1) + "…"
    assert e.justification == "j" * (MAX_JUSTIFICATION - 1) + "…"
    assert e.user_agent == "u" * (MAX_USER_AGENT - 1) + "…"
    assert max(map(len, await stored_bodies(settings))) < 3000
    # escaping never pushes a value past its bound, nor cuts an escape in half
    assert clean("\x00" * 600, 500) == "\\x00" * 124 + "…"
    assert len(clean("é\x1b" * 400, 500)) <= 500


async def test_the_csv_export_opens_no_formula(governed: Governed, settings: Settings, tmp_path: Path) -> None:
    await governed.post(QUERY, ig_headers(governed, b'=HYPERLINK("http://evil.example","x")',
                                          **{"user-agent": b"@SUM(1+1)"}))
    await governed.post(QUERY, {**governed.headers("police-iom-officer", None), "x-purpose-of-use": "+cmd|'/c calc'!A0",
                                "x-justification": "-2+3", "user-agent": "\tTAB"})
    await governed.records()  # flushed
    out = tmp_path / "trail.csv"
    parser = argparse.ArgumentParser()
    audit_cli.configure(parser)
    args = parser.parse_args(["export", "--format", "csv", "--output", str(out)])
    assert await asyncio.to_thread(audit_cli.run, args, settings) == 0
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    assert rows[0]["justification"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert rows[0]["user_agent"] == "'@SUM(1+1)"
    assert (rows[1]["purpose"], rows[1]["justification"]) == ("'+cmd|'/c calc'!A0", "'-2+3")
    assert rows[1]["user_agent"] == "TAB"  # (a header value is trimmed)
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row
    assert [csv_safe(c) for c in ("=1", "+1", "-1", "@a", "\tx", "\rx", "ok", "")] == \
        ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "ok", ""]
    jsonl: list[str] = []

    class Lines:
        def write(self, text: str) -> None:
            jsonl.append(text)

    export(await governed.records(), "jsonl", Lines())  # type: ignore[arg-type]
    assert json.loads(jsonl[0])["justification"].startswith("=HYPERLINK")  # JSON is data, left as it was


async def test_a_method_other_than_get_or_post_is_malformed(governed: Governed) -> None:
    transport = httpx.ASGITransport(app=governed.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        response = await client.put("/graphql", json=QUERY, headers=governed.headers("police-iom-officer", "iom"))
    assert response.status_code == 405
    e = (await governed.records())[-1].event
    assert (e.outcome, e.actor_id, e.subjects) == ("malformed", "iom-officer-001", ())


@pytest.mark.parametrize(("body", "status", "code"), [
    (json.dumps({**QUERY, "pad": "x" * 200_000}).encode(), 413, "REQUEST_TOO_LARGE"),
    (json.dumps([QUERY] * 6).encode(), 400, "TOO_MANY_OPERATIONS"),
])
async def test_a_refused_body_is_recorded_against_the_verified_caller(governed: Governed, body: bytes, status: int,
                                                                     code: str) -> None:
    response = await governed.post(None, governed.headers("housing-officer", "housing-referral"), raw=body)
    assert response.status_code == status and response.json()["errors"][0]["extensions"]["code"] == code
    e = (await governed.records())[-1].event
    assert (e.outcome, e.error_codes, e.actor_id, e.agency, e.roles, e.purpose) == (
        "malformed", (code,), "housing-officer-001", "housing", ("housing-officer",), "housing-referral")


async def test_an_oversized_body_without_a_valid_token_is_not_read(governed: Governed) -> None:
    big = json.dumps({**QUERY, "pad": "x" * 200_000}).encode()
    response = await governed.post(None, {"authorization": "Bearer forged"}, raw=big)
    assert response.status_code == 403
    e = (await governed.records())[-1].event
    assert (e.outcome, e.error_codes, e.actor_id) == ("refused", ("INVALID_TOKEN",), "anonymous")

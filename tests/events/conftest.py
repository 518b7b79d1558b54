"""The hub with its event stream on a private copy of the seeded agencies (events change their rows)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from audit.record import StoredRecord
from audit.review import AuditFilter, search
from audit.store import AuditStore
from connectors.registry import AGENCIES
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.auth import issue_dev_token
from tests.conftest import sqlite_settings
from tests.events.test_broker import stream_name  # noqa: F401 - a JetStream stream of its own, for any module here
from tests.http.conftest import STAFF

with warnings.catch_warnings():
    # Starlette would rather its test client ran on httpx2; httpx (pinned) serves it the same here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient, WebSocketTestSession

PURPOSES = {"victim-liaison": "victim-contact", "housing-officer": "housing-referral",
            "treatment-keyworker": "continuity-of-care", "probation-practitioner": "daily-intel",
            "partnership-analyst": "partnership-analytics", "police-iom-officer": "iom",
            "employment-adviser": "employment-support", "mappa-coordinator": "mappa"}


@pytest.fixture
def own_settings(seeded_dir: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the seeded data: the tests change the agencies' rows."""
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data, ignore=shutil.ignore_patterns("audit*", "keys"))
    return sqlite_settings(data, HUB_CASELOAD_TTL_SECONDS=0)


def sql(settings: Settings, agency: str, statement: str, **params: Any) -> list[Any]:
    """A statement on an agency's own database, as its system would run it (synchronously, committed)."""
    url = settings.agency_url(agency).replace("+aiosqlite", "")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


_OPEN: list[Any] = []


@contextmanager
def serving(settings: Settings) -> Iterator[TestClient]:
    """The app in a test client; every websocket opened meanwhile is closed before it stops."""
    with TestClient(create_app(settings)) as client:
        try:
            yield client
        finally:
            while _OPEN:
                with contextlib.suppress(Exception):
                    _OPEN.pop().__exit__(None, None, None)


def token(settings: Settings, role: str, user: str | None = None, ttl: int = 3600) -> str:
    user_id, agency = STAFF[role]
    return issue_dev_token(settings, user=user or user_id, agency=agency, roles=[role], ttl=ttl)


def connect(client: TestClient, payload: dict[str, Any]) -> WebSocketTestSession:
    ws = client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])
    session = ws.__enter__()
    _OPEN.append(ws)
    session.send_json({"type": "connection_init", "payload": payload})
    return session


def subscriber(client: TestClient, settings: Settings, role: str, query: str, user: str | None = None,
               variables: dict[str, Any] | None = None) -> WebSocketTestSession:
    """A connection authenticated as ``role`` with one subscription ``query`` (id ``1``) started."""
    ws = connect(client, {"Authorization": f"Bearer {token(settings, role, user)}",
                          "X-Purpose-Of-Use": PURPOSES[role]})
    ack = ws.receive_json()
    assert ack["type"] == "connection_ack", ack
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    return ws


def audit_records(settings: Settings) -> list[StoredRecord]:
    async def read() -> list[StoredRecord]:
        store = await AuditStore.open(settings)
        try:
            found, _ = await search(store.engine, AuditFilter(), first=10_000)
        finally:
            await store.close()
        return list(reversed(found))

    return asyncio.run(read())


__all__ = ["AGENCIES", "PURPOSES", "TestClient", "WebSocketTestSession", "audit_records", "connect", "serving",
           "sql", "subscriber", "token"]

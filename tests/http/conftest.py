"""The hub with full governance, driven over HTTP (in-process ASGI) as partner systems call it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from audit.record import StoredRecord
from audit.review import AuditFilter, search
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.auth import issue_dev_token
from hub.web.runtime import Hub
from tests.graph_client import GraphClient

#: The synthetic member of staff who holds each role (synthetic.staff) and their agency.
STAFF: dict[str, tuple[str, str]] = {
    "police-iom-officer": ("iom-officer-001", "police"),
    "probation-practitioner": ("om-001", "probation"),
    "housing-officer": ("housing-officer-001", "housing"),
    "treatment-keyworker": ("keyworker-001", "treatment"),
    "victim-liaison": ("victim-liaison-001", "probation"),
    "partnership-analyst": ("analyst-001", "partnership"),
    "ig-officer": ("ig-001", "partnership"),
    "employment-adviser": ("employment-adviser-001", "employment"),
    "mappa-coordinator": ("mappa-coordinator-001", "probation"),
    "prison-healthcare": ("prison-healthcare-001", "treatment"),
}


@dataclass
class Governed:
    app: Any
    settings: Settings
    hub: Hub
    tokens: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def token(self, role: str, user: str | None = None, agency: str | None = None) -> str:
        user = user or STAFF[role][0]
        agency = agency or STAFF[role][1]
        key = (role, user, agency)
        if key not in self.tokens:
            self.tokens[key] = issue_dev_token(self.settings, user=user, agency=agency, roles=[role])
        return self.tokens[key]

    def headers(self, role: str, purpose: str | None, justification: str | None = None,
                user: str | None = None) -> dict[str, str]:
        h = {"authorization": f"Bearer {self.token(role, user)}"}
        if purpose:
            h["x-purpose-of-use"] = purpose
        if justification:
            h["x-justification"] = justification
        return h

    async def post(self, body: Any, headers: dict[str, str], raw: bytes | None = None) -> httpx.Response:
        return await GraphClient(self.app).post(body, headers=headers, raw=raw)

    async def ask(self, query: str, variables: dict[str, Any] | None = None, *, role: str, purpose: str | None,
                  justification: str | None = None, user: str | None = None) -> dict[str, Any]:
        response = await self.post({"query": query, "variables": variables or {}},
                                   self.headers(role, purpose, justification, user))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def records(self) -> list[StoredRecord]:
        store = await self.app.state.governance.audit.store()
        await store.flush()
        found, _ = await search(store.engine, AuditFilter(), first=10_000)
        return list(reversed(found))


@pytest.fixture
async def governed(settings: Settings) -> AsyncIterator[Governed]:
    hub = Hub.open(settings)
    app = create_app(settings, hub=hub)
    yield Governed(app, settings, hub)
    await app.state.governance.audit.close()
    await hub.close()


@pytest.fixture
async def truth(settings: Settings) -> AsyncIterator[GraphClient]:
    """The same data with governance off: what each field really holds, to compare against."""
    hub = Hub.open(settings)
    yield GraphClient(create_app(settings, governance=False, hub=hub))
    await hub.close()

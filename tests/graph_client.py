"""A small GraphQL-over-HTTP client for tests, on the app in-process (httpx ASGI transport)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette


@dataclass
class GraphClient:
    app: Starlette
    headers: dict[str, str] = field(default_factory=dict)

    async def post(self, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None,
                   content_type: str = "application/json") -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            h = {"content-type": content_type, **self.headers, **(headers or {})}
            if raw is not None:
                return await client.post("/graphql", content=raw, headers=h)
            return await client.post("/graphql", json=body, headers=h)

    async def query(self, query: str, variables: dict[str, Any] | None = None,
                    headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.post({"query": query, "variables": variables or {}}, headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return await client.get(path, headers=headers or {})

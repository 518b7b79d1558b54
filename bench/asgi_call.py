"""Calling an ASGI app in-process with no HTTP client in between, so timings are the app's own."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message


async def request(app: ASGIApp, method: str, path: str, body: bytes = b"",
                  headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"content-length", str(len(body)).encode()),
                    *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def post_json(app: ASGIApp, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, bytes]:
    return await request(app, "POST", path, json.dumps(body).encode(),
                         {"content-type": "application/json", **headers})

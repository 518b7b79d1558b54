"""The console asks the hub's own GraphQL API, in process, exactly as any client would over HTTP.

The request goes through the whole pipeline (request id, tracing, audit, caller, body limit), with the
signed-in officer's token, purpose ``audit`` and the justification given at sign-in, so each page view
leaves its audit record and is refused whatever the API would refuse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import Message

from hub.web.console.session import Session

PURPOSE = "audit"


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def problem(self) -> str | None:
        """What went wrong, as the API said it (messages only: they never carry withheld values)."""
        if not self.errors and self.status < 400:
            return None
        return "; ".join(str(e.get("message", "")) for e in self.errors) or f"the hub answered {self.status}"


async def ask(request: Request, session: Session, query: str, variables: dict[str, Any] | None = None) -> Answer:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = [(b"authorization", f"Bearer {session.token}".encode()), (b"x-purpose-of-use", PURPOSE.encode()),
               (b"x-justification", session.justification.encode()), (b"content-type", b"application/json"),
               (b"accept", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"user-agent", b"hub-console")]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "root_path": "", "query_string": b"", "headers": headers,
             "client": request.scope.get("client"), "server": request.scope.get("server"),
             "state": dict(request.scope.get("state") or {}), "app": request.app}
    sent = False
    status = 500
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    try:
        answer = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        return Answer(status, None, [{"message": f"the hub answered {status}"}])
    return Answer(status, answer.get("data"), list(answer.get("errors") or []))

"""Refuse request bodies over the configured size, nested too deeply, or batches over the configured
number of operations, before anything parses them as JSON or GraphQL."""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.errors import BadUserInput, HubError
from hub.core.json_depth import too_deep
from hub.web.responses import error_response
from hub.web.state import request_state

#: A GraphQL request nests a handful of levels (body, variables, an input object, a list); far
#: below the thousand or so at which Python's json parser fails with RecursionError.
MAX_JSON_DEPTH = 32


class BodyTooLarge(HubError):
    code = "REQUEST_TOO_LARGE"
    http_status = 413
    outcome = "malformed"


class TooManyOperations(HubError):
    code = "TOO_MANY_OPERATIONS"
    http_status = 400
    outcome = "malformed"


def batch_size(body: bytes) -> int:
    """Operations in a JSON batch (a top-level array); 1 for anything else."""
    if not body.lstrip().startswith(b"["):
        return 1
    try:
        parsed = json.loads(body)
    except ValueError:
        return 1  # the GraphQL view answers malformed JSON with its own 400
    return len(parsed) if isinstance(parsed, list) else 1


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, max_batch: int = 1) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_batch = max_batch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        # Read the whole body now (GraphQL bodies are small): a body that lies about its length,
        # or sends chunks without one, is still cut off at the limit.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if too_deep(body, MAX_JSON_DEPTH):
            await self._refuse(scope, receive, send, BadUserInput(
                f"the request body nests JSON deeper than {MAX_JSON_DEPTH} levels", limit=MAX_JSON_DEPTH))
            return
        if batch_size(body) > self.max_batch:
            await self._refuse(scope, receive, send, TooManyOperations(
                f"a batch may hold at most {self.max_batch} operations"))
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: HubError | None = None) -> None:
        error = error or BodyTooLarge(f"request body is larger than {self.max_bytes} bytes")
        state = request_state(scope)
        if state is not None:
            state.refusal = error
        await error_response(error)(scope, receive, send)

"""A server span per HTTP request, continuing the caller's W3C ``traceparent`` when given."""

from __future__ import annotations

from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.core.telemetry import tracer
from hub.web.state import request_state


class TracingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        # Only the W3C trace context is taken from the caller (no baggage).
        parent = extract({k: v for k in ("traceparent", "tracestate") if (v := headers.get(k)) is not None})
        status_code = 500
        with tracer().start_as_current_span(
            f"{scope['method']} {scope['path']}", context=parent, kind=SpanKind.SERVER,
            attributes={"http.request.method": scope["method"], "url.path": scope["path"]},
        ) as span:
            state = request_state(scope)
            ctx = span.get_span_context()
            if state is not None and ctx.is_valid:
                state.trace_id = format(ctx.trace_id, "032x")

            async def send_traced(message: Message) -> None:
                nonlocal status_code
                if message["type"] == "http.response.start":
                    status_code = message["status"]
                    if state is not None and state.trace_id:
                        message.setdefault("headers", []).append((b"x-trace-id", state.trace_id.encode()))
                await send(message)

            try:
                await self.app(scope, receive, send_traced)
            finally:
                span.set_attribute("http.response.status_code", status_code)
                if status_code >= 500:
                    span.set_status(Status(StatusCode.ERROR))

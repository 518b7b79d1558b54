"""An agency API that misbehaves on request, run as its own process by the fault tests.

``python -m tests.agency_api.faulty_agency PORT``; ``POST /_mode {"mode": ...}`` sets how every API call
is answered from then on: ``empty`` (a valid, empty answer), ``slow`` (after 5 s), ``5xx`` (503),
``malformed`` (not JSON), ``wrong_schema`` (JSON of another shape), ``bad_token`` (401 for any token),
``disordered`` (a change feed whose rows go back in position).
Error bodies carry ``SECRET-DETAIL`` and an identifier, which must never reach a hub's caller.
``GET /_calls`` says how many API calls it has answered.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

LEAK = "SECRET-DETAIL: SQLSTATE 08006 at pnc_id 2001/0000001Z"
state: dict[str, Any] = {"mode": "empty", "calls": 0}


async def api(request: Request) -> Response:
    state["calls"] += 1
    mode = state["mode"]
    if mode == "slow":
        await asyncio.sleep(5)
    if mode == "5xx":
        return PlainTextResponse(LEAK, status_code=503)
    if mode == "malformed":
        return Response("{" + LEAK, media_type="application/json")
    if mode == "wrong_schema":
        return JSONResponse({"2001/0000001Z": {"detail": LEAK}, "rows": [LEAK]})
    if mode == "bad_token":
        return JSONResponse({"error": "invalid_token", "detail": LEAK}, status_code=401)
    path = request.url.path
    if path == "/v1/changes":
        positions = (3, 2) if mode == "disordered" else ()
        return JSONResponse({"rows": [{"position": p, "event_type": "Arrested", "agency_key": LEAK,
                                       "occurred_at": "2026-12-02T06:00:00Z", "data": {}} for p in positions]})
    if path.startswith("/v1/changes/"):
        return JSONResponse({"position": 0})
    return JSONResponse([] if path in ("/v1/search", "/v1/caseload") else {})


async def token(_request: Request) -> Response:
    return JSONResponse({"access_token": "any", "token_type": "Bearer", "expires_in": 300})


async def mode(request: Request) -> Response:
    state["mode"] = (await request.json())["mode"]
    return JSONResponse(state)


async def calls(_request: Request) -> Response:
    return JSONResponse(state)


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/v1/{method}", api, methods=["POST"]),
                        Route("/v1/changes/{what}", api, methods=["POST"]),
                        Route("/oauth/token", token, methods=["POST"]),
                        Route("/_mode", mode, methods=["POST"]), Route("/_calls", calls), Route("/healthz", healthz)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")

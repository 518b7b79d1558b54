"""A small keep-alive HTTP/1.1 load generator on loopback, bounded in time.

Written on asyncio streams rather than an HTTP client library so the generator spends as little
of the shared CPU as possible; it sends one fixed request per connection in a closed loop.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

STAGGER_SECONDS = 0.02


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def build_request(host: str, port: int, method: str, path: str, body: dict[str, Any] | None,
                  headers: dict[str, str]) -> bytes:
    raw = json.dumps(body).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(raw)}",
             "Connection: keep-alive"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lname = name.strip().lower()
        if lname == b"content-length":
            length = int(value.strip())
        elif lname == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length)
    body = b""
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def run_load(host: str, port: int, request: bytes, *, connections: int, seconds: float,
                   ok: Any = None) -> LoadResult:
    """Drive ``connections`` closed-loop clients for ``seconds``; ``ok(status, body)`` judges responses."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = 0

    async def client(i: int) -> None:
        nonlocal errors
        # Staggered: with several uvicorn workers sharing one listening socket, a burst of connects is
        # accepted by whichever worker wakes first and, kept alive, stays there; a connect made while
        # the earlier clients keep that worker busy goes to an idle one, as behind a load balancer.
        await asyncio.sleep(i * STAGGER_SECONDS)
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(request)
                await writer.drain()
                status, body = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200 or (ok is not None and not ok(status, body)):
                    errors += 1
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(connections)))
    return LoadResult(len(latencies), errors, time.perf_counter() - started, tuple(latencies))

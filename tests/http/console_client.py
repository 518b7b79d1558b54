"""Signing in to the IG console over HTTP (in-process), as a browser would: the form, its CSRF token, the cookie."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str, justification: str = "SAR 2026/118 from the data subject"
                  ) -> httpx.Response:
    form = await client.get("/console/sign-in")
    return await client.post("/console/sign-in", data={"csrf": csrf_of(form.text), "token": token,
                                                        "justification": justification})

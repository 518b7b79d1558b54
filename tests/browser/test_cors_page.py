"""A front-end page on another origin calls the hub with ``fetch`` from a real headless Chromium.

The page is served by its own little server on a second loopback port, so the browser applies the
same-origin policy and the CORS preflight for real; a page on a third, unlisted origin is refused.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.production.test_replicas import free_port
from tests.served import served

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>IOM panel</title></head>
<body><pre id="out">waiting</pre><script>
async function ask(hub, token) {
  try {
    const answer = await fetch(hub + "/graphql", {method: "POST", headers: {
      "Authorization": "Bearer " + token, "Content-Type": "application/json",
      "X-Purpose-Of-Use": "iom", "X-Justification": "panel preparation"},
      body: JSON.stringify({query: "{ people(first: 2) { edges { node { id name } } } }"})});
    const body = await answer.json();
    document.getElementById("out").textContent = JSON.stringify(
      {status: answer.status, traceId: answer.headers.get("X-Trace-Id"), body: body});
  } catch (e) {
    document.getElementById("out").textContent = JSON.stringify({refused: String(e)});
  }
}
</script></body></html>"""


@pytest.fixture
def page_origins(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The front-end page served on two loopback origins: one the hub lists, one it does not."""
    (tmp_path / "index.html").write_text(PAGE)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler) for _ in range(2)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in servers)  # type: ignore[misc]
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()


async def result_of(browser: Browser, origin: str, hub: str, token: str) -> dict[str, object]:
    page = await browser.new_page()
    try:
        await page.goto(f"{origin}/index.html")
        await page.evaluate("([hub, token]) => ask(hub, token)", [hub, token])
        await page.wait_for_function("document.getElementById('out').textContent !== 'waiting'", timeout=10_000)
        found: dict[str, object] = json.loads(await page.text_content("#out") or "{}")
        return found
    finally:
        await page.close()


async def test_a_page_on_a_listed_origin_reads_the_answer_and_an_unlisted_one_cannot(
        settings: Settings, browser: Browser, page_origins: tuple[str, str]) -> None:
    listed, unlisted = page_origins
    token = issue_dev_token(settings, user="om-001", agency="probation", roles=["probation-practitioner"])
    async with served(settings, {"HUB_CORS_ORIGINS": listed}) as hub:
        answered = await result_of(browser, listed, hub.base, token)
        refused = await result_of(browser, unlisted, hub.base, token)
    assert answered["status"] == 200 and answered["traceId"], answered
    people = answered["body"]["data"]["people"]["edges"]  # type: ignore[index]
    assert len(people) == 2 and all(p["node"]["id"].startswith("H") for p in people)
    assert "refused" in refused and "Failed to fetch" in str(refused["refused"]), refused

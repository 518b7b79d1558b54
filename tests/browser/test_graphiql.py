"""GraphiQL served by the hub works with the network to anything but loopback refused.

The browser may reach 127.0.0.1 and nothing else (every other request is aborted and counted), loads
the page, finds the example query and the headers pre-filled, puts a real token in the Headers pane and
runs the query: the answer comes back with data. A screenshot is kept as a test artefact.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, Route

from hub.core.settings import Settings
from hub.web import graphiql
from hub.web.auth import issue_dev_token
from tests.served import served

ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


async def test_graphiql_runs_a_query_offline(settings: Settings, browser: Browser) -> None:
    assert graphiql.installed(), "GraphiQL's assets are not installed (make test runs npm ci in hub/web/graphiql)"
    token = issue_dev_token(settings, user="om-001", agency="probation", roles=["probation-practitioner"])
    refused: list[str] = []

    async def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    async with served(settings) as hub:
        async with httpx.AsyncClient() as client:
            page_response = await client.get(f"{hub.base}/graphql", headers={"accept": "text/html"})
        assert "script-src 'self'" in page_response.headers["content-security-policy"]
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        await context.route("**/*", loopback_only)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{hub.base}/graphql")
        await page.wait_for_selector(".graphiql-container", timeout=15_000)
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        assert "query MyCaseload" in (await editor.inner_text())
        headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
        assert "X-Purpose-Of-Use" in await headers.inner_text()
        # Replace the placeholder with a real token, as a developer would paste one.
        await headers.click()
        await page.keyboard.press("Control+A")
        await page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {token}", "X-Purpose-Of-Use": "iom"}))
        await page.locator(".graphiql-execute-button").click()
        result = page.locator(".graphiql-response .CodeMirror")
        await result.get_by_text('"totalCount"').wait_for(timeout=15_000)
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTEFACTS / "graphiql.png"))
        answer = await result.inner_text()
        await context.close()
    assert '"people"' in answer and '"errors"' not in answer, answer
    assert refused == [], f"the page tried to leave the machine: {refused}"
    assert errors == []
    assert (ARTEFACTS / "graphiql.png").stat().st_size > 10_000

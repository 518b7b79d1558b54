"""GraphiQL served by the hub works with the network to anything but loopback refused.

The browser may reach 127.0.0.1 and nothing else (every other request is aborted and counted), loads
the page, finds the example query and the headers pre-filled, puts a real token in the Headers pane and
runs the query: the answer comes back with data. A screenshot is kept as a test artefact.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, Route, WebSocket

from hub.cli.simulate import release
from hub.core.settings import Settings
from hub.web import graphiql
from hub.web.auth import issue_dev_token
from tests.conftest import sqlite_settings
from tests.events.conftest import sql
from tests.http.seeded import person_of
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


RELEASES = """subscription Releases { releases {
  eventId type personId releaseDate releaseType releaseEstablishment } }"""
#: In custody, a case of victim-liaison-001's (tests/events/test_early_release.py tells his story).
CRN = "X191204"


@pytest.fixture
def own_settings(seeded_dir: Path, tmp_path: Path) -> Settings:
    """A private copy of the seeded data: the test moves a release in probation's own rows."""
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data, ignore=shutil.ignore_patterns("audit*", "keys"))
    return sqlite_settings(data)


async def person_with(settings: Settings, crn: str) -> str:
    return (await person_of(settings, "crn"))[crn]


async def replace(page: Page, editor: Locator, text: str) -> None:
    await editor.click()
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(text)


async def test_graphiql_subscribes_with_the_headers_pane(own_settings: Settings, browser: Browser) -> None:
    settings = own_settings
    person = await person_with(settings, CRN)
    [(planned,)] = sql(settings, "probation", "SELECT max(release_date) FROM sentence WHERE crn = :crn", crn=CRN)
    earlier = date.fromisoformat(planned) - timedelta(days=10)
    token = issue_dev_token(settings, user="victim-liaison-001", agency="probation", roles=["victim-liaison"])
    frames: list[str] = []
    console: list[str] = []

    def sent(payload: bytes | str) -> None:
        frames.append(f"sent {payload!s}")

    def received(payload: bytes | str) -> None:
        frames.append(f"received {payload!s}")

    def watch(socket: WebSocket) -> None:
        socket.on("framesent", sent)
        socket.on("framereceived", received)

    async with served(settings) as hub:
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: console.append(m.text))
        page.on("websocket", watch)
        await page.goto(f"{hub.base}/graphql")
        await page.wait_for_selector(".graphiql-container", timeout=15_000)
        query = page.locator(".graphiql-query-editor .CodeMirror")
        headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
        result = page.locator(".graphiql-response .CodeMirror")
        await replace(page, query, RELEASES)
        await replace(page, headers, json.dumps({"Authorization": f"Bearer {token}",
                                                 "X-Purpose-Of-Use": "victim-contact", "X-Other": "not sent"}))
        await page.locator(".graphiql-execute-button").click()
        for _ in range(100):  # subscribed: the hub acknowledged the connection and has the subscription
            if any("connection_ack" in f for f in frames) and any('"subscribe"' in f for f in frames):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"GraphiQL did not subscribe: {frames} {console}")
        await asyncio.sleep(0.5)
        await release(settings, person, earlier, early=True)
        await result.get_by_text(earlier.isoformat()).wait_for(timeout=15_000)
        told = await result.inner_text()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTEFACTS / "graphiql-subscription.png"))
        await page.locator(".graphiql-execute-button").click()  # stop it

        [first_init] = [f for f in frames if "connection_init" in f]
        # A wrong token: the hub closes the socket (4403) and the pane says so, rather than waiting.
        frames.clear()
        await replace(page, headers, json.dumps({"Authorization": "Bearer not-a-token",
                                                 "X-Purpose-Of-Use": "victim-contact"}))
        await page.locator(".graphiql-execute-button").click()
        await result.get_by_text("4403").wait_for(timeout=10_000)
        refused = await result.inner_text()
        await context.close()

    assert f'"personId": "{person}"' in told and '"EARLY_RELEASE"' in told, told
    # the victim liaison officer is told the date and type, not where he is held
    assert '"releaseEstablishment": null' in told, told
    # the pane's headers the hub reads, as the payload, and nothing else typed there
    assert token in first_init and "victim-contact" in first_init and "X-Other" not in first_init
    [init] = [f for f in frames if "connection_init" in f]
    assert "not-a-token" in init
    assert "check Authorization" in refused and earlier.isoformat() not in refused, refused
    assert not [m for m in console if "Content Security Policy" in m], console
    assert errors == []

"""The IG console in a real headless Chromium, against a served hub, with the network beyond loopback refused.

An officer signs in with a token, searches the trail by a CRN, opens the record of a practitioner's lookup,
reads the person's subject access report and downloads it as CSV and PDF, sees what a candidate agreement
would change, and sees the integrity page raise the alarm once a record is altered in the store. axe-core
finds no serious or critical accessibility violation on any page; each page's screenshot is kept.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.async_api import Browser, BrowserContext, Page, Route
from pypdf import PdfReader
from sqlalchemy import text

from audit.store import audit_engine
from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.browser.axe import serious_violations
from tests.http.seeded import rows
from tests.hub.test_policy_diff import candidate
from tests.served import served

ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WHY = "SAR 2026/204 received from the data subject"


async def checked(page: Page, name: str, *, full_page: bool = True) -> None:
    """The page passes axe and is kept as a screenshot (the agreements' matrix: its first screen)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"console-{name}.png"), full_page=full_page)
    assert await serious_violations(page) == [], name


async def loopback_context(browser: Browser, refused: list[str], *, javascript: bool = True) -> BrowserContext:
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True,
                                        java_script_enabled=javascript)

    async def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", loopback_only)
    return context


async def looked_up(base: str, settings: Settings, crn: str) -> str:
    """A practitioner looks a person up by CRN (the record the officer will find); their hub id."""
    token = issue_dev_token(settings, user="om-001", agency="probation", roles=["probation-practitioner"])
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{base}/graphql", json={
            "query": "query Lookup($crn: String!) { personByIdentifier(scheme: CRN, value: $crn) { id } }",
            "variables": {"crn": crn}}, headers={"authorization": f"Bearer {token}", "x-purpose-of-use": "iom",
                                                  "x-justification": "IOM panel"})
    person_id: str = answer.json()["data"]["personByIdentifier"]["id"]
    return person_id


async def test_an_officer_reviews_the_trail_in_the_console(settings: Settings, browser: Browser,
                                                          tmp_path: Path) -> None:
    crn = (await rows(settings, "probation", "SELECT crn FROM offender ORDER BY crn DESC LIMIT 1"))[0][0]
    refused: list[str] = []
    errors: list[str] = []
    async with served(settings) as hub:
        person_id = await looked_up(hub.base, settings, crn)
        context = await loopback_context(browser, refused)
        page = await context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        # Sign in with a pasted token
        await page.goto(f"{hub.base}/console")
        assert page.url.endswith("/console/sign-in")
        await checked(page, "sign-in")
        await page.get_by_label("Justification").fill(WHY)
        token = issue_dev_token(settings, user="ig-001", agency="partnership", roles=["ig-officer"])
        await page.get_by_label("Bearer token").fill(token)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        assert page.url.endswith("/console/search")
        assert WHY in await page.locator("footer").inner_text()

        # Find the person by the CRN (posted, never in the URL): the practitioner's lookup is listed
        await page.get_by_label("Identifier").select_option("crn")
        await page.get_by_label("Value").fill(crn)
        await page.get_by_role("button", name="Find their records").click()
        await page.get_by_role("status").get_by_text(f"hub person {person_id}").wait_for()
        assert page.url.endswith(f"/console/search?subject={person_id}") and crn not in page.url
        lookup = page.locator("tbody tr").filter(has_text="Lookup")
        assert await lookup.count() == 1
        assert "om-001" in await lookup.inner_text() and "iom" in await lookup.inner_text()
        await checked(page, "search")

        # Open the record: who, when, why, and what was disclosed about the person
        await lookup.get_by_role("link").click()
        await page.get_by_role("heading", name="Audit record").wait_for()
        body = await page.locator("main").inner_text()
        assert "om-001" in body and "IOM panel" in body and "Identifiers.crn" in body
        await checked(page, "record")

        # The person's subject access report, and its exports
        await page.get_by_role("heading", name=person_id).get_by_role("link").click()
        await page.get_by_role("heading", name=f"Subject access report: {person_id}").wait_for()
        shown = {int(t) for t in await page.locator("tbody tr td:first-child a").all_inner_texts()}
        await checked(page, "subject-access")
        async with page.expect_download() as csv_download:
            await page.get_by_role("link", name="Download as CSV").click()
        saved = await (await csv_download.value).path()
        table = list(csv.DictReader(io.StringIO(await asyncio.to_thread(saved.read_text))))
        assert any(r["actorId"] == "om-001" and r["justification"] == "IOM panel" for r in table)
        # the export holds what the page showed, and the page view itself: the report is about the person too
        viewed = [r for r in table if int(r["seq"]) not in shown]
        assert shown <= {int(r["seq"]) for r in table} and len(viewed) == 1
        assert (viewed[0]["actorId"], viewed[0]["purpose"], viewed[0]["justification"]) == ("ig-001", "audit", WHY)
        async with page.expect_download() as pdf_download:
            await page.get_by_role("link", name="Download as PDF").click()
        pdf = PdfReader(str(await (await pdf_download.value).path()))
        pdf_text = "".join(p.extract_text() for p in pdf.pages)
        assert f"Subject access report: {person_id}" in pdf_text and "IOM panel" in pdf_text
        assert all(f"Record {r['seq']}" in pdf_text for r in table)

        # The agreements, and what a candidate would change
        _live, new = candidate(settings.data_dir / "policy-candidates")
        await page.get_by_role("link", name="Agreements").click()
        assert await page.locator("#matrix tbody tr").count() > 100
        await page.get_by_label("Candidate policy directory").fill(new.name)
        await page.get_by_role("button", name="Show what it would change").click()
        cells = [[c.strip() for c in (await row.inner_text()).split("\t")]
                 for row in await page.locator("#diff tbody tr").all()]
        housed = len(await rows(settings, "housing", "SELECT housing_ref FROM housing_client"))
        supervised = len(await rows(settings, "probation", "SELECT crn FROM offender"))
        assert sorted((c[0], c[1], c[2], c[3], int(c[7])) for c in cells) == sorted([
            ("newly allowed", "treatment-keyworker", "continuity-of-care", "housing_reference", housed),
            ("newly allowed", "treatment-keyworker", "safeguarding", "housing_reference", housed),
            ("newly denied", "victim-liaison", "victim-contact", "release", supervised),
            ("condition changed", "treatment-keyworker", "continuity-of-care", "address", housed),
            ("condition changed", "treatment-keyworker", "safeguarding", "address", housed)])
        await checked(page, "agreements", full_page=False)

        # Integrity: intact, then an alarm once a record is altered in the store
        await page.get_by_role("link", name="Integrity").click()
        await page.get_by_role("status").get_by_text("Intact").wait_for()
        await checked(page, "integrity")
        seq = int(table[0]["seq"])
        engine = audit_engine(settings.audit_url)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE audit_record SET body = replace(body, 'IOM panel', 'IOM panel!') "
                                    "WHERE seq = :seq"), {"seq": seq})
        await engine.dispose()
        await page.get_by_role("button", name="Verify now").click()
        alarm = page.get_by_role("alert")
        await alarm.wait_for()
        assert f"first bad record {seq}" in await alarm.inner_text()
        await checked(page, "integrity-alarm")
        await context.close()
    assert refused == [], f"the console tried to leave the machine: {refused}"
    assert errors == [], errors


async def test_a_development_hub_mints_an_ig_token_at_sign_in(settings: Settings, browser: Browser) -> None:
    """With JavaScript off, as the console's read pages must work."""
    async with served(settings, {"HUB_ENV": "development"}) as hub:
        context = await loopback_context(browser, [], javascript=False)
        page = await context.new_page()
        await page.goto(f"{hub.base}/console/sign-in")
        await page.get_by_label("Justification").fill(WHY)
        await page.get_by_role("button", name="Sign in with a development IG token").click()
        assert page.url.endswith("/console/search")
        await page.get_by_label("Role").fill("ig-officer")
        await page.get_by_role("button", name="Search").click()
        assert "role=ig-officer" in page.url
        await page.get_by_role("link", name="Integrity").click()
        await page.get_by_role("button", name="Verify now").click()
        await page.get_by_role("status").get_by_text("Intact").wait_for()
        await page.get_by_role("button", name="Sign out").click()
        assert page.url.endswith("/console/sign-in")
        await page.goto(f"{hub.base}/console/integrity")
        assert page.url.endswith("/console/sign-in")
        await context.close()


async def test_the_accessibility_check_finds_what_it_should(browser: Browser) -> None:
    """The check above can fail: a page with an unlabelled field and an image without text does."""
    page = await browser.new_page()
    await page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                           '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input></main></body></html>')
    found = {v["id"] for v in await serious_violations(page)}
    await page.close()
    assert {"image-alt", "label"} <= found, found

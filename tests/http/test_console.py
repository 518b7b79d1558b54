"""The IG console over HTTP: sign-in and its cookie, expiry, CSRF, the CSP, refusing other roles, and every page
view audited under purpose audit with the justification given at sign-in."""

from __future__ import annotations

import asyncio
import base64
import html
import io
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import text as sqltext

from audit.witness import witness_for
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.console.session import COOKIE, Session, seal, session_key, unseal
from hub.web.runtime import Hub
from policies.loader import PACKAGED
from tests.http.conftest import Governed
from tests.http.console_client import csrf_of, sign_in
from tests.http.seeded import rows, rows_at

WHY = "SAR 2026/118 from the data subject"


@pytest.fixture
async def client(governed: Governed) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=governed.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def a_person_looked_up(governed: Governed) -> tuple[str, str]:
    """A CRN from the probation database and the hub id a practitioner's lookup of it returned (now audited)."""
    crn = (await rows(governed.settings, "probation", "SELECT crn FROM offender ORDER BY crn LIMIT 1"))[0][0]
    answer = await governed.ask('query Lookup($crn: String!) { personByIdentifier(scheme: CRN, value: $crn) { id } }',
                                {"crn": crn}, role="probation-practitioner", purpose="iom", justification="panel")
    return crn, answer["data"]["personByIdentifier"]["id"]


async def test_sign_in_sets_a_short_lived_strict_cookie(governed: Governed, client: httpx.AsyncClient) -> None:
    signed = await sign_in(client, governed.token("ig-officer"))
    assert signed.status_code == 303 and signed.headers["location"] == "/console/search"
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/console", "max-age=1800"} <= attributes, cookie
    assert governed.token("ig-officer") not in cookie  # signed and encoded, not the bare token
    page = await client.get("/console/search")
    assert page.status_code == 200 and "Audit records" in page.text


async def test_a_token_of_another_role_is_refused(governed: Governed, client: httpx.AsyncClient) -> None:
    refused = await sign_in(client, governed.token("probation-practitioner"))
    assert refused.status_code == 403 and "ig-officer" in refused.text
    assert not any(c.startswith(f"{COOKIE}=") for c in refused.headers.get_list("set-cookie"))
    assert (await client.get("/console/search")).headers["location"] == "/console/sign-in"
    bad = await sign_in(client, "not-a-token")
    assert bad.status_code == 403 and "refused" in bad.text


async def test_the_development_token_button_is_refused_outside_development(
        governed: Governed, client: httpx.AsyncClient) -> None:
    form = await client.get("/console/sign-in")
    assert "development IG token" not in form.text  # HUB_ENV=test
    minted = await client.post("/console/sign-in", data={"csrf": csrf_of(form.text), "justification": WHY,
                                                         "mint": "1"})
    assert minted.status_code == 403


async def test_an_expired_or_altered_session_is_no_sign_in(governed: Governed, client: httpx.AsyncClient) -> None:
    key = session_key(governed.settings.keys_dir)
    token = governed.token("ig-officer")
    expired = seal(Session(token, WHY, "c" * 32, int(time.time()) - 1), key)
    client.cookies.set(COOKIE, expired, path="/console")
    assert (await client.get("/console/search")).headers["location"] == "/console/sign-in"
    live = seal(Session(token, WHY, "c" * 32, int(time.time()) + 60), key)
    for at in (0, len(live) // 2, len(live) - 2):  # the nonce, the sealed text, the tag: each altered
        altered = live[:at] + ("A" if live[at] != "A" else "B") + live[at + 1:]
        client.cookies.set(COOKIE, altered, path="/console")
        assert (await client.get("/console/search")).headers["location"] == "/console/sign-in", at
    client.cookies.set(COOKIE, live[:-6], path="/console")  # cut short
    assert (await client.get("/console/search")).headers["location"] == "/console/sign-in"
    forged = seal(Session(token, WHY, "c" * 32, int(time.time()) + 60), b"another key" * 3)
    client.cookies.set(COOKIE, forged, path="/console")
    assert (await client.get("/console/search")).headers["location"] == "/console/sign-in"
    client.cookies.set(COOKIE, live, path="/console")
    assert (await client.get("/console/search")).status_code == 200
    # a token the API no longer accepts ends the sign-in at the next page
    revoked = seal(Session(token[:-4] + "AAAA", WHY, "c" * 32, int(time.time()) + 60), key)
    client.cookies.set(COOKIE, revoked, path="/console")
    ended = await client.get("/console/search")
    assert ended.headers["location"] == "/console/sign-in"
    assert any(c.startswith(f'{COOKIE}=""') for c in ended.headers.get_list("set-cookie"))


async def test_forms_without_the_sessions_csrf_token_are_refused(governed: Governed,
                                                                 client: httpx.AsyncClient) -> None:
    fresh = httpx.AsyncClient(transport=httpx.ASGITransport(app=governed.app), base_url="http://testserver")
    async with fresh:
        no_form = await fresh.post("/console/sign-in", data={"csrf": "guess", "token": governed.token("ig-officer"),
                                                             "justification": WHY})
    assert no_form.status_code == 403
    await sign_in(client, governed.token("ig-officer"))
    before = len(await governed.records())
    for path in ("/console/integrity", "/console/agreements", "/console/sign-out"):
        refused = await client.post(path, data={"csrf": "guess", "candidate": "policies/agreements"})
        assert refused.status_code == 403, path
    assert len(await governed.records()) == before  # nothing was asked of the API
    page = await client.get("/console/integrity")
    verified = await client.post("/console/integrity", data={"csrf": csrf_of(page.text)})
    assert verified.status_code == 200 and "on request" in verified.text


async def test_every_page_has_a_strict_csp_and_is_audited_with_the_justification(
        governed: Governed, client: httpx.AsyncClient) -> None:
    _crn, person_id = await a_person_looked_up(governed)
    await sign_in(client, governed.token("ig-officer"), WHY)
    lookup_seq = max(r.seq for r in await governed.records() if person_id in r.event.subjects)
    pages = {f"/console/search?subject={person_id}": ["ConsoleSearch"],
             f"/console/records/{lookup_seq}": ["ConsoleRecord"],
             f"/console/people/{person_id}": ["ConsoleSubjectAccess"],
             f"/console/people/{person_id}.csv": ["ConsoleSubjectAccess"],
             f"/console/people/{person_id}.pdf": ["ConsoleSubjectAccess"],
             "/console/integrity": ["ConsoleIntegrity"],
             "/console/agreements": ["ConsoleAgreements"]}
    for path, operations in pages.items():
        before = len(await governed.records())
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "style-src 'self'" in csp and "script-src" not in csp, csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        new = (await governed.records())[before:]
        assert [r.event.operation_name for r in new] == operations, path
        for r in new:
            assert (r.event.actor_id, r.event.purpose, r.event.justification) == ("ig-001", "audit", WHY), path
            assert r.event.outcome == "ok", (path, r.event.outcome, r.event.error_codes)


async def test_search_by_crn_finds_the_records_about_that_person(governed: Governed,
                                                                 client: httpx.AsyncClient) -> None:
    crn, person_id = await a_person_looked_up(governed)
    await sign_in(client, governed.token("ig-officer"))
    expected = {r.seq for r in await governed.records() if person_id in r.event.subjects}
    search = await client.get("/console/search")
    before = len(await governed.records())
    # The CRN is posted, looked up once, and the browser is sent on to a URL holding the hub person id alone.
    found = await client.post("/console/subject", data={"csrf": csrf_of(search.text), "scheme": "crn",
                                                         "identifier": crn})
    assert found.status_code == 303 and found.headers["location"] == f"/console/search?subject={person_id}"
    page = await client.get(found.headers["location"])
    shown = {int(s) for s in re.findall(r'href="/console/records/(\d+)"', page.text)}
    assert expected and expected <= shown
    assert crn not in page.text.replace(f'value="{crn}"', "")  # nor in any link on the page
    assert crn not in "".join(re.findall(r'href="([^"]+)"', page.text))
    # the lookup itself is recorded about that person: the answer tells who holds the CRN, so it is disclosed
    new = (await governed.records())[before:]
    assert [r.event.operation_name for r in new] == ["ConsoleSubject", "ConsoleSearch"]
    lookup = new[0]
    assert lookup.event.subjects == (person_id,)
    about = lookup.event.about(person_id)
    assert about is not None and "Identifiers.crn" in about.disclosed and "Identifiers.crn" not in about.consulted
    # the older records' links carry the hub person id and look nothing up again
    assert all("subject=" not in link or f"subject={person_id}" in link
               for link in re.findall(r'href="(/console/search\?[^"]+)"', page.text))
    unknown = await client.post("/console/subject", data={"csrf": csrf_of(search.text), "scheme": "crn",
                                                           "identifier": "Z999999"})
    assert unknown.status_code == 200 and "No one the hub links holds crn Z999999" in unknown.text
    # an identifier in a URL is refused before anything is asked, and a lookup needs the form's CSRF token
    before = len(await governed.records())
    by_get = await client.get("/console/search", params={"scheme": "crn", "subject": crn})
    assert by_get.status_code == 400
    forged = await client.post("/console/subject", data={"csrf": "guess", "scheme": "crn", "identifier": crn})
    assert forged.status_code == 403
    assert len(await governed.records()) == before


async def test_subject_access_exports_hold_every_record_about_the_person(governed: Governed,
                                                                         client: httpx.AsyncClient) -> None:
    _crn, person_id = await a_person_looked_up(governed)
    await sign_in(client, governed.token("ig-officer"))
    expected = sorted(r.seq for r in await governed.records() if person_id in r.event.subjects)
    csv_answer = await client.get(f"/console/people/{person_id}.csv")
    assert csv_answer.headers["content-type"].startswith("text/csv")
    lines = csv_answer.text.splitlines()
    assert lines[0].startswith("seq,occurredAt,actorId")
    assert sorted(int(line.split(",")[0]) for line in lines[1:]) == expected
    pdf = await client.get(f"/console/people/{person_id}.pdf")
    assert pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Subject access report: {person_id}" in text
    assert all(f"Record {seq}" in text for seq in expected)
    assert "om-001" in text and "panel" in text  # who looked, and why


async def test_search_filters_and_pages_through_the_trail(governed: Governed, client: httpx.AsyncClient) -> None:
    for i in range(14):
        if i == 7:
            await asyncio.sleep(1.1)  # two halves a second apart, for the time range below (UTC, whole seconds)
        await governed.ask("{ people(first: 1) { edges { node { id } } } }", role="probation-practitioner",
                           purpose="iom", justification=f"panel {i}")
        await governed.ask("{ people(first: 1) { edges { node { id } } } }", role="police-iom-officer",
                           purpose="iom", justification=f"panel {i}")
    await sign_in(client, governed.token("ig-officer"))
    trail = await governed.records()
    # every record by the practitioner, as plain rows over the store: newest first
    expected = sorted((r.seq for r in trail if r.event.actor_id == "om-001"), reverse=True)
    first = await client.get("/console/search", params={"actor": "om-001", "purpose": "iom", "outcome": "ok"})
    assert _seqs(first.text) == expected
    police = await client.get("/console/search", params={"agency": "police"})
    assert _seqs(police.text) == sorted((r.seq for r in trail if r.event.agency == "police"), reverse=True)
    # everything, a page at a time: the pages follow each other without a gap or an overlap
    seen: list[int] = []
    page = await client.get("/console/search")
    while True:
        seen += _seqs(page.text)
        following = re.search(r'href="(/console/search\?[^"]+)" rel="next"', page.text)
        if following is None:
            break
        page = await client.get(following.group(1).replace("&amp;", "&"))
    every = [r.seq for r in await governed.records() if r.seq <= seen[0]]
    assert seen == sorted(every, reverse=True) and len(seen) > 25
    # a time range (UTC) after every record finds none of them
    none = await client.get("/console/search", params={"since": "2099-01-01T00:00", "actor": "om-001"})
    assert _seqs(none.text) == [] and "No records match" in none.text
    mine = sorted((r for r in trail if r.event.actor_id == "om-001"), key=lambda r: r.seq)
    cut = mine[7].event.occurred_at.replace(microsecond=0)
    until = await client.get("/console/search", params={"until": cut.strftime("%Y-%m-%dT%H:%M:%S"),
                                                        "actor": "om-001"})
    assert _seqs(until.text) == [r.seq for r in reversed(mine) if r.event.occurred_at <= cut]
    assert 0 < len(_seqs(until.text)) < len(mine)
    since = await client.get("/console/search", params={"since": cut.strftime("%Y-%m-%dT%H:%M:%S"),
                                                        "actor": "om-001"})
    assert _seqs(since.text) == [r.seq for r in reversed(mine) if r.event.occurred_at >= cut]
    bad = await client.get("/console/search", params={"since": "yesterday"})
    assert bad.status_code == 400


def _seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'<td><a href="/console/records/(\d+)">', page)]


async def test_an_uploaded_candidate_shows_exactly_the_cells_it_changes(governed: Governed,
                                                                        client: httpx.AsyncClient) -> None:
    await sign_in(client, governed.token("ig-officer"))
    shipped = (PACKAGED / "agreements" / "housing-isa.csv").read_text()
    rule = "treatment-keyworker,*,housing_reference,deny,,,Housing ISA,HOUS-ISA 3.4,"
    assert rule in shipped
    changed = shipped.replace(rule, "treatment-keyworker,*,housing_reference,allow,caseload,,Housing ISA,HOUS-ISA 3.4,")
    page = await client.get("/console/agreements")
    before = len(await governed.records())
    answer = await client.post("/console/agreements", data={"csrf": csrf_of(page.text)},
                               files={"files": ("housing-isa.csv", changed.encode(), "text/csv")})
    assert answer.status_code == 200
    # the people counts come through the governed API, audited as an aggregate about no one
    new = (await governed.records())[before:]
    assert [r.event.operation_name for r in new] == ["ConsoleAgreements", "ConsolePeopleHolding"]
    assert new[1].event.subjects == () and new[1].event.aggregates[0].over == ("housing",)
    table = answer.text.split('<table id="diff">')[1].split("</table>")[0]
    cells = [re.findall(r"<td>([^<]*)</td>", row) for row in table.split("<tr>")[2:]]
    housed = len(await rows(governed.settings, "housing", "SELECT housing_ref FROM housing_client"))
    assert sorted(cells) == [
        ["newly allowed", "treatment-keyworker", purpose, "housing_reference", "deny", "allow if caseload",
         "HOUS-ISA 3.4", str(housed)] for purpose in ("continuity-of-care", "safeguarding")]
    stranger = await client.post("/console/agreements", data={"csrf": csrf_of(page.text)},
                                 files={"files": ("secrets.txt", b"x", "text/plain")})
    assert "is not one of the policy files" in stranger.text and 'id="diff"' not in stranger.text
    broken = await client.post("/console/agreements", data={"csrf": csrf_of(page.text)},
                               files={"files": ("housing-isa.csv", changed.replace("allow,caseload", "perhaps,caseload")
                                                .encode(), "text/csv")})
    assert "could not be read as a policy version" in broken.text and 'id="diff"' not in broken.text


async def test_a_records_trace_id_links_to_the_trace_ui_when_one_is_set(settings: Settings) -> None:
    hub = Hub.open(settings)
    app = create_app(settings.model_copy(update={"trace_ui_url": "https://jaeger.example/trace/{trace_id}"}), hub=hub)
    governed = Governed(app, settings, hub)
    try:
        _crn, person_id = await a_person_looked_up(governed)
        record = next(r for r in await governed.records() if person_id in r.event.subjects)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            await sign_in(client, governed.token("ig-officer"))
            page = await client.get(f"/console/records/{record.seq}")
    finally:
        await app.state.governance.audit.close()
        await hub.close()
    assert record.event.trace_id
    assert f'<a href="https://jaeger.example/trace/{record.event.trace_id}">{record.event.trace_id}</a>' in page.text


async def test_the_integrity_page_shows_the_last_signed_checkpoint_and_the_witness(
        governed: Governed, client: httpx.AsyncClient) -> None:
    await a_person_looked_up(governed)
    await sign_in(client, governed.token("ig-officer"))
    store = await governed.app.state.governance.audit.store()
    before = await client.get("/console/integrity")
    assert "None yet" in before.text
    size = await store.checkpoint()
    async with store.engine.connect() as conn:
        note = (await conn.execute(sqltext("SELECT note FROM audit_checkpoint ORDER BY id DESC LIMIT 1"))).scalar()
    held = len(witness_for(governed.settings).checkpoints())
    page = await client.get("/console/integrity")
    assert size and held >= 1 and note
    assert f"<dd>{size} records</dd>" in page.text and html.escape(note) in page.text
    assert f"consulted: it holds {held} checkpoint(s), each consistent with the trail" in page.text
    assert 'role="status">Intact' in page.text


async def test_the_session_cookie_holds_the_token_encrypted(governed: Governed, client: httpx.AsyncClient) -> None:
    token = governed.token("ig-officer")
    await sign_in(client, token, WHY)
    cookie = client.cookies.get(COOKIE, path="/console")
    assert cookie
    raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
    for part in (token, *token.split("."), WHY):
        for seen in (cookie, raw.decode("latin-1")):
            assert part not in seen
    # sealed under the console key it opens; each cookie has its own nonce, so two are never alike
    key = session_key(governed.settings.keys_dir)
    opened = unseal(cookie, key)
    assert opened is not None and opened.token == token and opened.justification == WHY
    again = Session(token, WHY, opened.csrf, opened.expires)
    assert seal(again, key) != seal(again, key)
    assert unseal(cookie, b"another key" * 3) is None


async def test_the_record_page_is_one_audited_call_with_each_subjects_entry(
        governed: Governed, client: httpx.AsyncClient) -> None:
    _crn, person_id = await a_person_looked_up(governed)
    await sign_in(client, governed.token("ig-officer"))
    record = next(r for r in await governed.records() if person_id in r.event.subjects)
    before = len(await governed.records())
    page = await client.get(f"/console/records/{record.seq}")
    assert page.status_code == 200
    (viewed,) = (await governed.records())[before:]
    assert viewed.event.operation_name == "ConsoleRecord"
    # the subjects whose entries the page shows are recorded as consulted about, as a SAR is
    assert viewed.event.subjects == (person_id,)
    about = viewed.event.about(person_id)
    assert about is not None and about.consulted == ("Query.auditRecord",) and not about.disclosed
    section = page.text.split(f'<h3 id="p-{person_id}">')[1].split("</section>")[0]
    assert "Identifiers.crn" in section  # the lookup disclosed the CRN's holder: that person's entry says so
    missing = await client.get(f"/console/records/{record.seq + 10_000}")
    assert missing.status_code == 404


async def test_record_detail_and_people_holding_are_for_information_governance_only(governed: Governed) -> None:
    for query in ("{ auditRecord(seq: 1) { moreSubjects } }",
                  '{ peopleHoldingRecords(owners: ["police"]) { people } }'):
        refused = await governed.ask(query, role="probation-practitioner", purpose="iom")
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["AUDIT_ACCESS_DENIED"], query
    answer = await governed.ask('{ peopleHoldingRecords(owners: ["housing", "all", "nobody"]) { owner people } }',
                                role="ig-officer", purpose="audit", justification=WHY)
    housed = len(await rows(governed.settings, "housing", "SELECT housing_ref FROM housing_client"))
    linked = len(await rows_at(governed.settings.index_url, "SELECT person_id FROM person"))
    assert answer["data"]["peopleHoldingRecords"] == [{"owner": "all", "people": linked},
                                                      {"owner": "housing", "people": housed}]
    record = (await governed.records())[-1]
    assert record.event.subjects == () and [(a.kind, a.over) for a in record.event.aggregates] == [
        ("peopleHoldingRecords", ("all", "housing"))]
    assert "Identifiers.housingReference (aggregate)" in record.event.disclosed["housing"]

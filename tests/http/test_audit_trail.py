"""Every request leaves exactly one audit record with the right content; no record, no data."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from audit.integrity import verify
from audit.tables import audit_record
from connectors.treatment import tables as treatment
from hub.core.db import create_engine
from hub.core.settings import Settings
from tests.graph_client import GraphClient
from tests.http.conftest import Governed

PROFILE = ('query Profile($id: ID!) { person(id: $id) { id name identifiers { pncId nhsNumber } '
           'probation { roshLevel } treatment { engaged } } }')


async def only_record(governed: Governed) -> Any:
    records = await governed.records()
    assert len(records) == 1, [r.event.outcome for r in records]
    return records[0]


async def test_a_partly_withheld_query_is_recorded_in_full(governed: Governed) -> None:
    response = await governed.post({"query": PROFILE, "variables": {"id": "H00000001"}, "operationName": "Profile"},
                                   {**governed.headers("police-iom-officer", "iom"), "user-agent": "nDelius-feed/2.1"})
    body = response.json()
    rec = await only_record(governed)
    e = rec.event
    assert (rec.seq, e.actor_id, e.actor_kind, e.agency, e.roles) == \
        (1, "iom-officer-001", "user", "police", ("police-iom-officer",))
    assert (e.purpose, e.outcome, e.operation_name, e.operation_type) == ("iom", "partial", "Profile", "query")
    assert e.subjects == ("H00000001",)
    assert "Person.name" in e.disclosed["identity"] and "Identifiers.pncId" in e.disclosed["police"]
    assert e.withheld["Identifiers.nhsNumber"] == "TRT-ISA 3.1"
    assert e.error_codes == ("FIELD_NOT_SHARED",)
    assert e.clauses and e.legal_bases and e.policy_version
    assert len(e.query_hash or "") == 64 and len(e.variables_hash or "") == 64
    assert e.user_agent == "nDelius-feed/2.1" and e.source_address == "127.0.0.1"
    assert e.trace_id == body["extensions"]["traceId"] == response.headers["x-trace-id"]
    assert e.latency_ms > 0


async def test_fields_used_to_filter_or_order_are_disclosed_about_those_returned(governed: Governed) -> None:
    # Only ids are selected, yet which people come back and in what order tells their OGRS band and score.
    query = ('{ people(first: 5, filter: {ogrsBands: [HIGH]}, orderBy: {field: OGRS_SCORE, direction: DESC}) '
             '{ edges { node { id } } } }')
    result = await governed.ask(query, role="probation-practitioner", purpose="daily-intel")
    returned = {edge["node"]["id"] for edge in result["data"]["people"]["edges"]}
    assert len(returned) == 5
    e = (await only_record(governed)).event
    read = {"ProbationRecord.ogrsBand", "ProbationRecord.ogrsScore"}
    assert read <= set(e.disclosed["probation"])
    assert set(e.subjects) == returned
    for person in returned:
        mine = e.about(person)
        assert mine is not None and set(mine.disclosed) == {"Person.id", *read} and not mine.consulted
    # Probation searched and ordered all its records: recorded once, as a search about no one in particular.
    assert [(a.kind, set(a.fields), a.over) for a in e.aggregates] == [("search", read, ("ogrsBands", "orderBy"))]


async def test_a_person_returned_with_no_governed_field_is_still_a_subject(governed: Governed) -> None:
    result = await governed.ask('{ personByIdentifier(scheme: CRN, value: "X000001") { id } }',
                                role="probation-practitioner", purpose="daily-intel")
    found = result["data"]["personByIdentifier"]
    e = (await only_record(governed)).event
    assert e.subjects == ((found["id"],) if found else ())
    result = await governed.ask('{ person(id: "H00000001") { id } }', role="probation-practitioner",
                                purpose="daily-intel")
    assert result["data"]["person"] == {"id": "H00000001"}
    assert (await governed.records())[-1].event.subjects == ("H00000001",)


async def test_no_disclosed_value_is_in_the_record(governed: Governed, settings: Settings) -> None:
    result = await governed.ask(PROFILE, {"id": "H00000001"}, role="treatment-keyworker",
                                purpose="continuity-of-care")
    person = result["data"]["person"]
    stored = (await only_record(governed))
    async with create_engine(settings.audit_url).connect() as conn:
        body = (await conn.execute(select(audit_record.c.body))).scalar_one()
    for value in (person["name"], person["identifiers"]["nhsNumber"], person["identifiers"]["pncId"]):
        if value:
            assert value not in body
    assert stored.event.subjects == ("H00000001",)


@pytest.mark.parametrize(("headers", "raw", "status", "outcome", "code"), [
    ({}, None, 401, "unauthenticated", "UNAUTHENTICATED"),
    ({"authorization": "Bearer not-a-token", "x-purpose-of-use": "iom"}, None, 403, "refused", "INVALID_TOKEN"),
    ("housing-referral-for-police", None, 403, "refused", "PURPOSE_NOT_PERMITTED"),
    ("ok", b'{"query": "{ person(id: ', 400, "malformed", None),
    ("ok", b'{"query": "{ nonsense }"}', 200, "malformed", "GRAPHQL_VALIDATION_FAILED"),
    ("ok", b'{"query": "{ person(id: \\"42\\") { id } }"}', 200, "malformed", "BAD_USER_INPUT"),
    ("ok", b'{"query": "{ people(first: 5, filter: {ostMedication: 1}) { totalCount } }"}', 200, "malformed",
     "GRAPHQL_VALIDATION_FAILED"),
])
async def test_every_kind_of_request_leaves_one_record(governed: Governed, headers: Any, raw: bytes | None,
                                                       status: int, outcome: str, code: str | None) -> None:
    if headers == "ok":
        headers = governed.headers("police-iom-officer", "iom")
    elif headers == "housing-referral-for-police":
        headers = governed.headers("police-iom-officer", "housing-referral")
    body = None if raw else {"query": '{ person(id: "H00000001") { id } }'}
    response = await governed.post(body, headers, raw=raw)
    assert response.status_code == status
    rec = await only_record(governed)
    assert rec.event.outcome == outcome
    if code:
        assert code in rec.event.error_codes
    if status >= 400:
        assert rec.event.subjects == () and rec.event.disclosed == {}


async def test_a_refused_filter_and_an_oversized_body_are_recorded(governed: Governed) -> None:
    await governed.ask('{ people(first: 5, filter: {iomCohorts: [FIXED]}) { totalCount } }', role="housing-officer",
                       purpose="housing-referral")
    big = json.dumps({"query": "{ person(id: \"H00000001\") { id } }", "pad": "x" * 200_000}).encode()
    response = await governed.post(None, governed.headers("housing-officer", "housing-referral"), raw=big)
    assert response.status_code == 413
    records = await governed.records()
    assert [(r.event.outcome, r.event.error_codes[0]) for r in records] == [
        ("refused", "FILTER_NOT_PERMITTED"), ("malformed", "REQUEST_TOO_LARGE")]


async def test_an_unwritable_audit_store_gives_503_and_no_data(governed: Governed) -> None:
    store = await governed.app.state.governance.audit.store()
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON audit_record "
                                   "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    response = await governed.post({"query": PROFILE, "variables": {"id": "H00000001"}},
                                   governed.headers("police-iom-officer", "iom"))
    assert response.status_code == 503
    assert response.json() == {"data": None, "errors": [{
        "message": "the audit trail cannot be written, so no data is released; try again later",
        "extensions": {"code": "AUDIT_UNAVAILABLE"}}]}
    assert "H00000001" not in response.text
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("DROP TRIGGER refuse")
    assert (await governed.records()) == []


async def test_readiness_reports_the_audit_store(governed: Governed) -> None:
    ok = await GraphClient(governed.app).get("/readyz")
    assert ok.status_code == 200 and ok.json()["checks"]["audit"] == "ok"
    store = await governed.app.state.governance.audit.store()
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TRIGGER refuse_probe BEFORE INSERT ON audit_probe "
                                   "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    failing = await GraphClient(governed.app).get("/readyz")
    assert failing.status_code == 503 and failing.json()["checks"]["audit"].startswith("failing")


async def test_concurrent_requests_keep_one_chain(governed: Governed) -> None:
    headers = governed.headers("probation-practitioner", "daily-intel")
    responses = await asyncio.gather(*(
        governed.post({"query": PROFILE, "variables": {"id": f"H{i % 50 + 1:08d}"}}, headers) for i in range(120)))
    assert all(r.status_code == 200 for r in responses)
    store = await governed.app.state.governance.audit.store()
    report = await verify(store.engine, store.keys)
    assert report.ok and report.records == 120
    assert store.batches < 120, "every record took its own transaction: group commit is not working"


async def test_the_audit_api_is_for_ig_only_and_is_itself_audited(governed: Governed, settings: Settings) -> None:
    await governed.ask(PROFILE, {"id": "H00000003"}, role="police-iom-officer", purpose="iom")
    await governed.ask(PROFILE, {"id": "H00000004"}, role="probation-practitioner", purpose="daily-intel")
    query = ('{ subjectAccessReport(personId: "H00000003") { personId disclosures { seq actorId purpose '
             'disclosed withheld { field reason } } } '
             'auditEvents(first: 10, filter: {agency: PROBATION}) { edges { node { seq actorId subjects } } '
             'pageInfo { hasNextPage } } auditIntegrity { ok records firstBadSeq } }')
    refused = await governed.ask(query, role="probation-practitioner", purpose="iom")
    assert refused["data"] == {"subjectAccessReport": None, "auditEvents": None, "auditIntegrity": None}
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"AUDIT_ACCESS_DENIED"}
    ig = await governed.ask(query, role="ig-officer", purpose="audit", justification="SAR 2026-77")
    report = ig["data"]["subjectAccessReport"]
    assert [d["actorId"] for d in report["disclosures"]] == ["iom-officer-001"]
    assert report["disclosures"][0]["purpose"] == "iom" and "Person.name" in report["disclosures"][0]["disclosed"]
    # newest first: the refused request is on the trail too
    assert [n["node"]["actorId"] for n in ig["data"]["auditEvents"]["edges"]] == ["om-001", "om-001"]
    assert ig["data"]["auditIntegrity"] == {"ok": True, "records": 3, "firstBadSeq": None}
    records = await governed.records()
    assert [r.event.outcome for r in records] == ["partial", "partial", "refused", "ok"]
    assert records[-1].event.actor_id == "ig-001" and records[-1].event.justification == "SAR 2026-77"
    assert records[-1].event.subjects == ("H00000003",)


async def test_consent_recorded_in_the_trail_only_as_field_names(governed: Governed, settings: Settings) -> None:
    engine = create_engine(settings.agency_url("treatment"))
    try:
        async with engine.connect() as conn:
            doses = {str(d) for d in (await conn.execute(select(treatment.ost_prescription.c.daily_dose_mg))).scalars()}
    finally:
        await engine.dispose()
    await governed.ask('{ person(id: "H00000001") { treatment { ostPrescriptions { medication dailyDoseMg } } } }',
                       role="treatment-keyworker", purpose="continuity-of-care")
    rec = await only_record(governed)
    assert "TreatmentRecord.ostPrescriptions" in rec.event.disclosed["treatment"]
    assert not any(f'"{d}"' in json.dumps(rec.as_dict()) for d in doses if len(d) > 2)


async def test_the_audit_trail_pages_with_the_same_page_info_and_cursor_codec_as_people(governed: Governed) -> None:
    for i in range(3):
        await governed.ask(PROFILE, {"id": f"H{i + 1:08d}"}, role="probation-practitioner", purpose="daily-intel")
    page = ("query($after: String) { auditEvents(first: 2, after: $after) { edges { cursor node { seq } } "
            "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }")
    ask = {"role": "ig-officer", "purpose": "audit", "justification": "SAR 2026-78"}
    first = (await governed.ask(page, {"after": None}, **ask))["data"]["auditEvents"]
    edges, info = first["edges"], first["pageInfo"]
    assert info == {"hasNextPage": True, "hasPreviousPage": False,
                    "startCursor": edges[0]["cursor"], "endCursor": edges[-1]["cursor"]}
    second = (await governed.ask(page, {"after": info["endCursor"]}, **ask))["data"]["auditEvents"]
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert [e["node"]["seq"] for e in second["edges"]] == [edges[-1]["node"]["seq"] - 1]
    people = (await governed.ask("{ people(first: 1) { pageInfo { endCursor } } }", role="probation-practitioner",
                                 purpose="daily-intel"))["data"]["people"]["pageInfo"]["endCursor"]
    refused = await governed.ask(page, {"after": people}, **ask)
    assert refused["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}

"""One request followed end to end through its spans; no personal data in spans, metrics or logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import select

from connectors.housing import tables as housing
from connectors.police import tables as police
from connectors.probation import tables as probation
from connectors.treatment import tables as treatment
from hub.core.db import create_engine
from hub.core.logs import JsonFormatter, quiet_libraries
from hub.core.settings import Settings
from hub.services.index import tables as index
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.http.conftest import Governed
from tests.http.test_sharing_matrix import QUERY as EVERYTHING

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
PROFILE = ('query Profile($id: ID!) { person(id: $id) { id name identifiers { pncId crn } '
           'police { arrests { offence } } probation { roshLevel licenceConditions { kind } } '
           'housing { accommodationStatus } treatment { engaged } } }')


@pytest.fixture
def spans(telemetry_capture: tuple[InMemorySpanExporter, InMemoryMetricReader]) -> InMemorySpanExporter:
    exporter = telemetry_capture[0]
    exporter.clear()
    return exporter


def hexid(value: int, width: int) -> str:
    return format(value, f"0{width}x")


async def test_one_request_makes_one_span_tree_tied_to_its_audit_record(governed: Governed,
                                                                        spans: InMemorySpanExporter) -> None:
    headers = {**governed.headers("police-iom-officer", "iom"), "traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01"}
    response = await governed.post({"query": PROFILE, "variables": {"id": "H00000001"}}, headers)
    assert response.status_code == 200
    assert response.json()["extensions"]["traceId"] == TRACE_ID == response.headers["x-trace-id"]
    (record,) = await governed.records()
    assert record.event.trace_id == TRACE_ID

    mine = [s for s in spans.get_finished_spans() if s.context and hexid(s.context.trace_id, 32) == TRACE_ID]
    by_id = {s.context.span_id: s for s in mine if s.context}
    names = [s.name for s in mine]
    root = next(s for s in mine if s.name == "POST /graphql")
    assert root.parent is not None and hexid(root.parent.span_id, 16) == PARENT_SPAN  # the caller's span
    for s in mine:  # every other span hangs off the request's span
        if s is root:
            continue
        assert s.parent is not None and s.parent.span_id in by_id, s.name
        node: ReadableSpan = s
        while node is not root:
            assert node.parent is not None
            node = by_id[node.parent.span_id]

    def parent_name(s: ReadableSpan) -> str:
        assert s.parent is not None
        return by_id[s.parent.span_id].name

    for phase in ("graphql.parse", "graphql.validate", "graphql.execute"):
        assert parent_name(next(s for s in mine if s.name == phase)) == "graphql.operation"
    assert parent_name(next(s for s in mine if s.name == "policy.plan")) == "POST /graphql"
    assert parent_name(next(s for s in mine if s.name == "audit.write")) == "POST /graphql"
    loads = [s for s in mine if s.name.startswith("load ")]
    # A record and the one list asked with it are read together: police's nominal with its arrests, probation's
    # offender with its licence conditions.
    assert {s.name for s in loads} >= {"load police.nominals+arrests", "load probation.offenders+licenceConditions",
                                       "load housing.clients", "load treatment.clients"}
    assert all(parent_name(s) == "graphql.execute" or parent_name(s).startswith("policy.condition") or
               parent_name(s) == "graphql.operation" for s in loads), [parent_name(s) for s in loads]
    sql = [s for s in mine if (s.attributes or {}).get("db.system") or (s.attributes or {}).get("db.system.name")]
    assert sql, "no SQL statement spans"
    assert all(parent_name(s).startswith(("load ", "policy.condition")) for s in sql), \
        {parent_name(s) for s in sql}
    assert names.count("POST /graphql") == 1


async def test_a_page_of_people_makes_grouped_spans_not_one_per_resolver(governed: Governed,
                                                                         spans: InMemorySpanExporter) -> None:
    query = ("{ people(first: 200) { edges { node { id name police { arrests { offence } } "
             "probation { roshLevel } housing { accommodationStatus } } } } }")
    await governed.ask(query, role="probation-practitioner", purpose="daily-intel")
    count = len(spans.get_finished_spans())
    assert count < 40, f"{count} spans for one 200-person page"


async def _seeded_values(settings: Settings) -> set[str]:
    """Every personal value in the synthetic data: names, identifiers, addresses, birth dates, clinical data."""
    values: set[str] = set()
    urls = settings.agency_url
    wanted = [
        (settings.index_url, [index.person.c.surname, index.person.c.forenames, index.person.c.date_of_birth,
                              index.person_link.c.value], index.person.join(index.person_link)),
        (urls("police"), [police.arrest.c.offence, police.intelligence_report.c.detail,
                          police.intelligence_report.c.summary], police.arrest.join(
                              police.intelligence_report, police.arrest.c.pnc_id == police.intelligence_report.c.pnc_id,
                              isouter=True)),
        (urls("probation"), [probation.offender.c.prison_number, probation.licence_condition.c.description],
         probation.offender.join(probation.licence_condition)),
        (urls("housing"), [housing.housing_client.c.address_line, housing.housing_client.c.postcode,
                           housing.housing_client.c.uprn], housing.housing_client),
        (urls("treatment"), [treatment.ost_prescription.c.prescriber, treatment.treatment_client.c.service],
         treatment.treatment_client.join(treatment.ost_prescription, isouter=True)),
    ]
    for url, columns, source in wanted:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                for row in (await conn.execute(select(*columns).select_from(source))).all():
                    values |= {str(v) for v in row if v is not None}
        finally:
            await engine.dispose()
    return {v for v in values if len(v) >= 5}


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        return [*map(str, obj.keys()), *[x for v in obj.values() for x in _strings(v)]]
    if isinstance(obj, list | tuple):
        return [x for v in obj for x in _strings(v)]
    return [str(obj)]


async def test_no_personal_value_reaches_spans_metrics_or_logs(governed: Governed, spans: InMemorySpanExporter,
                                                               telemetry_capture: Any, settings: Settings,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    quiet_libraries()  # as hub serve does, even with the hub's own logs at DEBUG
    caplog.set_level(logging.DEBUG)
    # A realistic run: every role, lookups by identifier (values in variables), filters, refusals, errors.
    pncs = (await governed.ask("{ people(first: 10) { edges { node { identifiers { pncId crn } } } } }",
                               role="police-iom-officer", purpose="iom"))["data"]["people"]["edges"]
    for role, purpose in (("police-iom-officer", "iom"), ("probation-practitioner", "daily-intel"),
                          ("housing-officer", "housing-referral"), ("treatment-keyworker", "continuity-of-care"),
                          ("victim-liaison", "victim-contact"), ("partnership-analyst", "partnership-analytics")):
        await governed.ask(EVERYTHING, role=role, purpose=purpose)
    for edge in pncs:
        await governed.ask("query($v: String!) { personByIdentifier(scheme: PNC_ID, value: $v) { id name } }",
                           {"v": edge["node"]["identifiers"]["pncId"]}, role="police-iom-officer", purpose="iom")
        await governed.ask("query($v: [String!]!) { peopleByIdentifiers(scheme: CRN, values: $v) { id } }",
                           {"v": [edge["node"]["identifiers"]["crn"]]}, role="housing-officer",
                           purpose="housing-referral")
    await governed.ask('{ person(id: "H00000001") { nam } }', role="police-iom-officer", purpose="iom")
    await governed.post({"query": PROFILE, "variables": {"id": "H00000002"}}, {})

    seeded = await _seeded_values(settings)
    assert len(seeded) > 1000
    exported: list[str] = []
    for s in spans.get_finished_spans():
        exported.append(s.name)
        exported += _strings(dict(s.attributes or {}))
        for ev in s.events:
            exported += [ev.name, *_strings(dict(ev.attributes or {}))]
    metric_data = telemetry_capture[1].get_metrics_data()
    exported += _strings(metric_data.to_json() if metric_data else "")
    formatter = JsonFormatter()
    exported += [formatter.format(r) for r in caplog.records]
    text = "\n".join(exported)
    leaked = sorted(v for v in seeded if v in text)
    assert leaked == [], f"personal values in telemetry: {leaked[:10]}"
    assert any(s.name == "audit.write" for s in spans.get_finished_spans())


async def test_resolver_spans_when_configured(settings: Settings, spans: InMemorySpanExporter) -> None:
    # HUB_TRACE_RESOLVERS=true: a span per resolver of agency data, named by type and field, with the
    # path but no list index, value or argument; parented under the GraphQL execution.
    hub = Hub.open(settings)
    app = create_app(settings.model_copy(update=dict(trace_resolvers=True)), hub=hub)
    governed = Governed(app, settings, hub)
    try:
        query = "{ people(first: 30) { edges { node { id police { iomCohort arrests { offence } } } } } }"
        result = await governed.ask(query, role="police-iom-officer", purpose="iom")
        assert len(result["data"]["people"]["edges"]) == 30
    finally:
        await app.state.governance.audit.close()
        await hub.close()
    resolved = [s for s in spans.get_finished_spans() if s.name.startswith("resolve ")]
    names = {s.name for s in resolved}
    assert {"resolve Person.id", "resolve Person.police", "resolve PoliceRecord.arrests"} <= names, names
    assert sum(s.name == "resolve Person.police" for s in resolved) == 30
    paths = {(s.attributes or {}).get("graphql.field.path") for s in resolved}
    assert "people.edges.node.police.arrests" in paths and not any(any(c.isdigit() for c in str(p)) for p in paths)

"""Prefetching a page's agency records: the same answer and audit trail, fewer suspensions, no extra reads.

Prefetching (schema/graph/prefetch.py) is an optimisation only. These tests run the same queries with it
and without it (the resolvers then load as they go) and require the same data, the same withheld-field
errors and the same audit records; that a page resolves without a task per person; and that a record
the agreement denies whole still costs its agency no query.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from graphql import FieldNode, GraphQLList, GraphQLObjectType, get_named_type, get_nullable_type

from connectors.housing.connector import HousingConnector
from connectors.registry import AGENCIES
from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.services.index.store import IndexedPerson
from hub.web.app import create_app
from hub.web.runtime import Hub
from policies.loader import PACKAGED, load_policy
from schema.governance.context import Info
from schema.governance.strawberry_adapter import graphql_schema
from schema.graph import query as query_module
from schema.graph.build import create_schema
from schema.graph.extensions import deadline
from tests.graph_client import GraphClient
from tests.http.conftest import Governed
from tests.http.test_sharing_matrix import ANSWERED, condition_sets
from tests.http.test_sharing_matrix import QUERY as MATRIX_QUERY
from tests.schema.test_graph import FULL

#: Person field -> the agency whose record it is (every registered agency).
RECORDS = {a.name: a.agency for a in AGENCIES}

PAGE = "query($first: Int!) { people(first: $first) { edges { node { ...Full } } } }" + FULL
ONE = 'query { person(id: "H00000003") { ...Full } }' + FULL
COHORT = """query($first: Int!) { people(first: $first, filter: {iomCohorts: [FIXED, FLEX, FREE]}) {
  edges { node { id name police { iomCohort arrests { arrestedAt outcome } }
    probation { ogrsScore roshLevel releaseDate licenceConditions { kind } }
    housing { accommodationStatus } treatment { engaged } } } } }"""
#: What an audit record says about a disclosure (not when, or which request).
AUDITED = ("actor_id", "purpose", "legal_bases", "clauses", "subjects", "disclosed", "withheld", "masked",
           "outcome", "error_codes")


async def _no_prefetch(info: Info, people: Sequence[IndexedPerson], nodes: list[FieldNode]) -> None:
    return None


def _justification(purpose: str) -> str | None:
    return "Section 47 enquiry, case 2026-118" if purpose == "safeguarding" else None


def _comparable(result: dict[str, Any]) -> tuple[Any, list[str]]:
    """Data as is; errors, and the paths a withheld field lists, in any order: both follow the order
    fields resolve in, which prefetching changes (to the document's). Trace ids differ per request."""
    errors = []
    for e in result.get("errors", []):
        e = {**e, "extensions": {k: v for k, v in e.get("extensions", {}).items() if k != "traceId"}}
        if "paths" in e["extensions"]:  # a withheld field: its ``path`` is the first of its ``paths``
            e["extensions"]["paths"] = sorted(json.dumps(p) for p in e["extensions"]["paths"])
            e["path"] = None
        errors.append(json.dumps(e, sort_keys=True))
    return result["data"], sorted(errors)


def _audited(record: Any) -> dict[str, Any]:
    event = record.event
    out = {}
    for name in AUDITED:
        value = getattr(event, name)
        if isinstance(value, tuple):
            value = sorted(value)
        elif isinstance(value, dict):
            value = {k: sorted(v) if isinstance(v, tuple) else v for k, v in sorted(value.items())}
        out[name] = value
    return out


@pytest.mark.parametrize(("role", "purpose"), ANSWERED, ids=[f"{r}-{p}" for r, p in ANSWERED])
async def test_prefetching_changes_nothing_released_withheld_or_audited(
        governed: Governed, monkeypatch: pytest.MonkeyPatch, role: str, purpose: str) -> None:
    asks = [(PAGE, {"first": 20}), (ONE, {}), (MATRIX_QUERY, {})]
    justification = _justification(purpose)
    prefetched = [await governed.ask(q, v, role=role, purpose=purpose, justification=justification) for q, v in asks]
    with_prefetch = [_audited(r) for r in (await governed.records())[-len(asks):]]
    monkeypatch.setattr(query_module, "prefetch", _no_prefetch)
    loaded_as_needed = [await governed.ask(q, v, role=role, purpose=purpose, justification=justification)
                        for q, v in asks]
    without = [_audited(r) for r in (await governed.records())[-len(asks):]]
    assert any(p["data"]["people"]["edges"] for p in prefetched if p["data"] and "people" in p["data"])
    for got, want in zip(prefetched, loaded_as_needed, strict=True):
        assert _comparable(got) == _comparable(want)
    assert with_prefetch == without


@contextmanager
def counting_tasks() -> Iterator[list[int]]:
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    created = [0]

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Future[Any]:
        created[0] += 1
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        yield created
    finally:
        loop.set_task_factory(previous)


@pytest.mark.parametrize("query", [PAGE, COHORT], ids=["every-field", "iom-cohort"])
async def test_a_page_resolves_without_a_task_per_person(governed: Governed, query: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # An operation running longer than a slice pauses its lists, a task each (schema/graph/extensions/
    # deadline.py): on a busy machine a page may, so the slice is widened to count prefetch's tasks alone.
    monkeypatch.setattr(deadline, "FIRST_SLICE_SECONDS", 60.0)
    tasks = []
    for first in (5, 40):
        await governed.ask(query, {"first": first}, role="police-iom-officer", purpose="iom")  # caseload cached
        with counting_tasks() as created:
            result = await governed.ask(query, {"first": first}, role="police-iom-officer", purpose="iom")
        assert len(result["data"]["people"]["edges"]) == first
        tasks.append(created[0])
    assert tasks[0] == tasks[1], f"tasks for a page of 5 and of 40: {tasks}"


@pytest.mark.parametrize(("role", "purpose"), ANSWERED, ids=[f"{r}-{p}" for r, p in ANSWERED])
async def test_an_agency_is_queried_only_when_its_record_can_show(governed: Governed, role: str, purpose: str
                                                                 ) -> None:
    justification = _justification(purpose)
    await governed.ask(MATRIX_QUERY, role=role, purpose=purpose, justification=justification)  # caseloads cached
    with count_statements(governed.hub.sql_engines()) as counted:
        result = await governed.ask(MATRIX_QUERY, role=role, purpose=purpose, justification=justification)
    assert result["data"]["people"]["edges"]
    plan = load_policy(PACKAGED).plan((role,), purpose)
    for field, record in RECORDS.items():
        may_show = any(d.visible for d in plan.fields_of_type(record.record_type))
        # Each Person field holding an agency's record is named after the agency.
        assert (counted[field] > 0) == may_show, (record.record_type, may_show, counted)


async def test_an_agency_failing_fails_only_its_records(settings: Settings, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Housing's database answers with an error: the page still comes back, housing null with errors."""
    broken = settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                            "housing": f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}"}))
    hub = Hub.open(broken)
    app = create_app(broken, hub=hub)
    governed = Governed(app, broken, hub)
    try:
        results = []
        for _ in range(2):
            results.append(await governed.ask(PAGE, {"first": 10}, role="probation-practitioner", purpose="mappa"))
            monkeypatch.setattr(query_module, "prefetch", _no_prefetch)
        got = results[0]
        nodes = [e["node"] for e in got["data"]["people"]["edges"]]
        assert len(nodes) == 10 and all(n["housing"] is None for n in nodes)
        assert any(n["probation"] is not None for n in nodes) and any(n["police"] is not None for n in nodes)
        failed = [e for e in got["errors"] if e["extensions"]["code"] != "FIELD_NOT_SHARED"]
        # The practitioner sees the housing record of the people on their caseload (HOUS-ISA 3.2):
        # those are the records whose load failed, one error each at the record's path, naming housing.
        withheld = next(e for e in got["errors"] if e["extensions"].get("field") == "Person.housing")
        held_back = {tuple(p) for p in withheld["extensions"]["paths"]}
        assert failed and all(e["path"][-1] == "housing" for e in failed)
        assert all(e["extensions"]["code"] == "CONNECTOR_UNAVAILABLE" and e["extensions"]["agency"] == "housing"
                   and e["extensions"]["traceId"] and "housing system did not answer" in e["message"]
                   for e in failed), failed[0]
        assert len(failed) + len(held_back) == 10 and not held_back & {tuple(e["path"]) for e in failed}
        record = (await governed.records())[-2]  # the prefetched run's
        assert record.event.outcome == "error" and "CONNECTOR_UNAVAILABLE" in record.event.error_codes
        assert _comparable(results[0]) == _comparable(results[1])
    finally:
        await app.state.governance.audit.close()
        await hub.close()


async def test_an_agency_failing_a_joined_read_is_asked_once_and_fails_only_its_records(
        settings: Settings, tmp_path: Path) -> None:
    """Police's record and arrests are read together; its database failing that read is held for both, not asked
    again for each: one statement, the police records failed at their paths, the rest of the page answered."""
    broken = settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                            "police": f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}"}))
    hub = Hub.open(broken)
    client = GraphClient(create_app(broken, governance=False, hub=hub))
    query = ("query($first: Int!) { people(first: $first) { edges { node { id "
             "police { iomCohort arrests { arrestedAt } } probation { tier licenceConditions { kind } } } } } }")
    try:
        with count_statements({"police": hub.sql_engines()["police"]}) as counted:
            got = await client.query(query, {"first": 10})
        assert counted["police"] == 1
        nodes = [e["node"] for e in got["data"]["people"]["edges"]]
        assert len(nodes) == 10 and all(n["police"] is None for n in nodes)
        assert any(n["probation"] and n["probation"]["licenceConditions"] for n in nodes)
        codes = {(e["path"][-1], e["extensions"]["code"]) for e in got["errors"]}
        assert codes == {("police", "CONNECTOR_UNAVAILABLE")}
    finally:
        await hub.close()


async def test_a_caseload_that_cannot_load_fails_only_what_it_conditions(settings: Settings, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Probation (the practitioner's caseload and probation records) fails: the page still comes back.

    Whatever is judged without the caseload (name, date of birth) shows; a record with a field
    conditioned on the caseload fails at its path, with or without prefetching."""
    broken = settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                            "probation": f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}"}))
    results = []
    for _ in range(2):
        hub = Hub.open(broken)  # a new hub each time: nothing cached from the first run
        app = create_app(broken, hub=hub)
        try:
            results.append(await Governed(app, broken, hub).ask(PAGE, {"first": 10}, role="probation-practitioner",
                                                                purpose="mappa"))
        finally:
            await app.state.governance.audit.close()
            await hub.close()
        monkeypatch.setattr(query_module, "prefetch", _no_prefetch)
    got = results[0]
    nodes = [e["node"] for e in got["data"]["people"]["edges"]]
    assert len(nodes) == 10 and all(n["probation"] is None for n in nodes)
    assert all(n["name"] and n["dateOfBirth"] for n in nodes), "unconditioned fields do not need the caseload"
    assert any(e["extensions"]["code"] == "CONNECTOR_UNAVAILABLE" and e["extensions"]["agency"] == "probation"
               for e in got["errors"])
    assert _comparable(results[0]) == _comparable(results[1])


async def test_a_search_an_agency_cannot_answer_is_connector_unavailable(settings: Settings, tmp_path: Path) -> None:
    """Police's database is unreadable: an IOM-cohort page cannot be found, and the error says so."""
    broken = settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                            "police": f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}"}))
    hub = Hub.open(broken)
    app = create_app(broken, hub=hub)
    try:
        got = await Governed(app, broken, hub).ask(COHORT, {"first": 5}, role="probation-practitioner",
                                                   purpose="mappa")
    finally:
        await app.state.governance.audit.close()
        await hub.close()
    assert got["data"] == {"people": None}
    [error] = [e for e in got["errors"] if e["extensions"]["code"] != "FIELD_NOT_SHARED"]
    assert error["path"] == ["people"] and error["extensions"]["code"] == "CONNECTOR_UNAVAILABLE"
    assert error["extensions"]["agency"] == "police"
    assert "no such table" not in json.dumps(got) and "SELECT" not in json.dumps(got)


async def test_an_outage_does_not_tell_a_caller_without_consent_who_is_in_treatment(
        settings: Settings, tmp_path: Path) -> None:
    """Treatment is down. For a practitioner who sees engagement only with consent (TREAT-ISA), every
    person's treatment is withheld for want of consent, linked to treatment or not: no error marks
    the people whose record failed to load."""
    query = "query { people(first: 40) { edges { node { id treatment { engaged } } } } }"
    answers = {}
    for label, urls in (("up", settings.agency_urls), ("down", {
            **settings.agency_urls, "treatment": f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}"})):
        configured = settings.model_copy(update=dict(agency_urls=urls))
        hub = Hub.open(configured)
        app = create_app(configured, hub=hub)
        try:
            answers[label] = await Governed(app, configured, hub).ask(query, role="probation-practitioner",
                                                                      purpose="mappa")
        finally:
            await app.state.governance.audit.close()
            await hub.close()
    up, down = answers["up"], answers["down"]
    assert any(e["node"]["treatment"] for e in up["data"]["people"]["edges"]), "someone consented while it was up"
    assert all(e["node"]["treatment"] is None for e in down["data"]["people"]["edges"])
    assert {e["extensions"]["code"] for e in down["errors"]} == {"FIELD_NOT_SHARED"}
    no_consent = [e for e in down["errors"] if e["extensions"]["reason"] == "no recorded consent"]
    assert no_consent and no_consent[0]["extensions"]["field"] == "Person.treatment"


def test_the_records_table_covers_every_agency_field_and_list() -> None:
    """A new agency record on Person, or a new list on one, is prefetched only if RECORDS names it."""
    types = graphql_schema(create_schema()).type_map
    person = types["Person"]
    assert isinstance(person, GraphQLObjectType)
    named = {name: get_named_type(f.type).name for name, f in person.fields.items()}
    assert {name for name, t in named.items() if t.endswith("Record")} == set(RECORDS)
    for field, record in RECORDS.items():
        assert named[field] == record.record_type
        gql = types[record.record_type]
        assert isinstance(gql, GraphQLObjectType)
        lists = {name for name, f in gql.fields.items() if isinstance(get_nullable_type(f.type), GraphQLList)}
        assert lists == set(record.lists), record.record_type


async def test_records_a_condition_withholds_are_not_read(governed: Governed, settings: Settings,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A practitioner sees housing records on their caseload only (HOUS-ISA 3.2): only those are read."""
    housing = governed.hub.agencies["housing"]
    assert isinstance(housing, HousingConnector)
    read: list[str] = []
    clients = housing.clients

    async def recording(keys: Iterable[str]) -> Any:
        keys = list(keys)
        read.extend(keys)
        return await clients(keys)

    monkeypatch.setattr(housing, "clients", recording)
    query = "query { people(first: 60) { edges { node { id housing { borough } } } } }"
    got = await governed.ask(query, role="probation-practitioner", purpose="mappa")
    page = [e["node"]["id"] for e in got["data"]["people"]["edges"]]
    caseload = (await condition_sets(settings, "probation-practitioner"))["caseload"]
    people = await governed.hub.index.get_many(page)
    housed = {p: people[p].links["housingReference"] for p in page if "housingReference" in people[p].links}
    want = {ref for p, ref in housed.items() if p in caseload}
    assert want and set(read) == want
    assert set(housed) - caseload, "the page must hold housed people off the caseload too"

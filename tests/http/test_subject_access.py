"""The audit says what was disclosed and consulted about each person: never more, never less.

A subject access report lists, for that person only, what each request returned or read of theirs.
"""

from __future__ import annotations

import json
from typing import Any

from hub.services.caseload import CallerConditions
from tests.graph_client import GraphClient
from tests.http.conftest import Governed

SAR = ('query($id: ID!) { subjectAccessReport(personId: $id) { personId disclosures { seq actorId purpose '
       'disclosed masked { field clause } withheld { field reason } consulted perPerson } } }')


async def report(governed: Governed, person_id: str) -> dict[str, Any]:
    body = await governed.ask(SAR, {"id": person_id}, role="ig-officer", purpose="audit",
                              justification="SAR 2026-101")
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["subjectAccessReport"]
    return result


async def people_with_arrests(truth: GraphClient) -> list[str]:
    body = await truth.query('{ people(first: 100) { edges { node { id police { arrests { offence } } } } } }')
    return [e["node"]["id"] for e in body["data"]["people"]["edges"]
            if e["node"]["police"] and e["node"]["police"]["arrests"]]


async def test_each_person_is_reported_with_their_own_fields_only(governed: Governed, truth: GraphClient) -> None:
    a, b = (await people_with_arrests(truth))[:2]
    body = await governed.ask(
        'query($a: ID!, $b: ID!) { a: person(id: $a) { name } b: person(id: $b) { police { arrests { offence } } } }',
        {"a": a, "b": b}, role="police-iom-officer", purpose="iom")
    assert body["data"]["a"]["name"] and body["data"]["b"]["police"]["arrests"]
    first, second = await report(governed, a), await report(governed, b)
    [of_a] = first["disclosures"]
    [of_b] = second["disclosures"]
    assert of_a["seq"] == of_b["seq"], "one request, reported to each person for their part"
    assert set(of_a["disclosed"]) == {"Person.id", "Person.name"}
    assert set(of_b["disclosed"]) == {"Person.id", "Person.police", "PoliceRecord.arrests"}
    assert of_a["perPerson"] and not of_a["consulted"] and not of_a["withheld"]
    # Neither report names the other person.
    assert b not in json.dumps(first) and a not in json.dumps(second)


async def borough_of(truth: GraphClient) -> dict[str, str]:
    body = await truth.query('{ people(first: 300) { edges { node { id housing { lastKnownBorough } } } } }')
    return {e["node"]["id"]: e["node"]["housing"]["lastKnownBorough"] for e in body["data"]["people"]["edges"]
            if e["node"]["housing"]}


async def test_a_filter_consults_the_people_it_read_without_returning_them(
        governed: Governed, truth: GraphClient) -> None:
    # A housing officer finds only the people they may identify: their caseload and open referrals.
    hub = governed.hub
    identified = await CallerConditions(hub.index, hub.agencies, "housing", "housing-officer-001").relationship()
    boroughs = {p: b for p, b in (await borough_of(truth)).items() if p in identified}
    borough = max(set(boroughs.values()), key=list(boroughs.values()).count)
    matching = sorted(p for p, b in boroughs.items() if b == borough)
    assert len(matching) >= 3
    returned, c = matching[0], matching[1]
    # The next few people in id order are asked about one by one: C among them, not returned.
    body = await governed.ask(f'{{ people(first: 1, filter: {{boroughs: [{borough}]}}) '
                              '{ edges { node { id } } } }', role="housing-officer", purpose="housing-referral")
    assert [e["node"]["id"] for e in body["data"]["people"]["edges"]] == [returned]
    [of_c] = (await report(governed, c))["disclosures"]
    assert of_c["consulted"] == ["HousingRecord.lastKnownBorough"] and of_c["disclosed"] == [], of_c
    [of_returned] = (await report(governed, returned))["disclosures"]
    assert set(of_returned["disclosed"]) == {"Person.id", "HousingRecord.lastKnownBorough"}
    assert not of_returned["consulted"]
    # Counting takes every match: a housing officer searches only the people they may identify, so each
    # match not returned is named as consulted, and the count is an aggregate about no one.
    counted = await governed.ask(f'{{ people(first: 1, filter: {{boroughs: [{borough}]}}) {{ totalCount '
                                 'edges { node { id } } } }', role="housing-officer", purpose="housing-referral")
    total = counted["data"]["people"]["totalCount"]
    e = (await governed.records())[-1].event
    assert len(e.subjects) == total and returned in e.subjects
    for person in e.subjects:
        mine = e.about(person)
        assert mine is not None
        assert (mine.consulted, "HousingRecord.lastKnownBorough" in mine.disclosed) == \
            (((), True) if person == returned else (("HousingRecord.lastKnownBorough",), False))
    assert [(a.kind, a.fields, a.over) for a in e.aggregates] == \
        [("totalCount", ("HousingRecord.lastKnownBorough",), ("boroughs",))]


async def test_a_search_of_all_records_is_recorded_once_not_per_person(governed: Governed) -> None:
    # An IOM officer may read the cohort of anyone: counting the cohort searches all police records.
    body = await governed.ask(
        '{ people(first: 2, filter: {iomCohorts: [FIXED]}) { totalCount edges { node { id } } } }',
        role="police-iom-officer", purpose="iom")
    returned = {e["node"]["id"] for e in body["data"]["people"]["edges"]}
    assert body["data"]["people"]["totalCount"] > len(returned)
    e = (await governed.records())[-1].event
    assert set(e.subjects) == returned
    assert [(a.kind, a.fields, a.over) for a in e.aggregates] == [
        ("search", ("PoliceRecord.iomCohort",), ("iomCohorts",)), ("totalCount", ("PoliceRecord.iomCohort",),
                                                                   ("iomCohorts",))]


async def test_a_count_past_the_end_of_the_list_is_still_recorded(governed: Governed) -> None:
    cursor = 'cGVyc29uOnYxOkg5OTk5OTk5OQ'  # person:v1:H99999999, past everyone
    body = await governed.ask(f'{{ people(first: 5, after: "{cursor}") {{ totalCount edges {{ node {{ id }} }} }} }}',
                              role="probation-practitioner", purpose="iom")
    assert body["data"]["people"]["edges"] == [] and body["data"]["people"]["totalCount"] > 0
    e = (await governed.records())[-1].event
    assert e.subjects == () and [a.kind for a in e.aggregates] == ["totalCount"]


async def test_a_lookup_outside_the_callers_scope_is_consulted_not_disclosed(governed: Governed,
                                                                            truth: GraphClient) -> None:
    # IOM officers may look people up by housing reference only within their cohort.
    caseload = await governed.ask('{ people(first: 500, filter: {onMyCaseload: true}) { edges { node { id } } } }',
                                  role="police-iom-officer", purpose="iom")
    mine = {e["node"]["id"] for e in caseload["data"]["people"]["edges"]}
    body = await truth.query('{ people(first: 300) { edges { node { id identifiers { housingReference } } } } }')
    refs = {e["node"]["id"]: e["node"]["identifiers"]["housingReference"] for e in body["data"]["people"]["edges"]
            if e["node"]["identifiers"]["housingReference"]}
    inside = next(p for p in sorted(refs) if p in mine)
    outside = next(p for p in sorted(refs) if p not in mine)
    lookup = 'query($v: String!) { personByIdentifier(scheme: HOUSING_REFERENCE, value: $v) { id } }'
    found = await governed.ask(lookup, {"v": refs[inside]}, role="police-iom-officer", purpose="iom")
    assert found["data"]["personByIdentifier"] == {"id": inside}
    entry = (await governed.records())[-1].event.about(inside)
    assert entry is not None and set(entry.disclosed) == {"Person.id", "Identifiers.housingReference"}
    hidden = await governed.ask(lookup, {"v": refs[outside]}, role="police-iom-officer", purpose="iom")
    assert hidden["data"]["personByIdentifier"] is None
    e = (await governed.records())[-1].event
    assert e.subjects == (outside,)
    entry = e.about(outside)
    assert entry is not None and entry.disclosed == () and entry.consulted == ("Identifiers.housingReference",)


async def test_the_cli_subject_report_names_no_one_else(governed: Governed, truth: GraphClient,
                                                        capsys: Any) -> None:
    import argparse
    import asyncio

    from audit.cli import configure, run

    a, b = (await people_with_arrests(truth))[:2]
    await governed.ask('query($a: ID!, $b: ID!) { a: person(id: $a) { name } b: person(id: $b) { name } }',
                       {"a": a, "b": b}, role="police-iom-officer", purpose="iom")
    store = await governed.app.state.governance.audit.store()
    await store.flush()
    parser = argparse.ArgumentParser()
    configure(parser)
    for fmt in ("text", "jsonl", "csv"):
        assert await asyncio.to_thread(run, parser.parse_args(["subject", a, "--format", fmt]),
                                       governed.settings) == 0
        out = capsys.readouterr().out
        assert a in out and b not in out and "Person.name" in out, (fmt, out)


async def test_a_page_names_only_the_people_its_answer_carries(governed: Governed) -> None:
    body = await governed.ask('{ people(first: 3) { pageInfo { endCursor } } }', role="police-iom-officer",
                              purpose="iom")
    cursor = body["data"]["people"]["pageInfo"]["endCursor"]
    [last] = (await governed.records())[-1].event.subjects  # the end cursor carries the last person's id
    assert last == "H00000003" and cursor
    await governed.ask('{ people(first: 3) { totalCount pageInfo { hasNextPage } } }', role="police-iom-officer",
                       purpose="iom")
    assert (await governed.records())[-1].event.subjects == ()

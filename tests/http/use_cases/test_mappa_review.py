"""Use case 4, the MAPPA level 1 quarterly review: the README's query for a MAPPA coordinator, over HTTP.

The coordinator's review list is what probation's table says (level 1 cases with their id), read with
plain SQL; the police and probation data each case comes back with is checked against the police and
probation tables, and every other person (another area's level 1 case, a level 2 or 3 case, anyone
else) is not found at all, as an unknown id is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from hub.core.settings import Settings
from tests.http.conftest import Governed
from tests.http.seeded import person_of, rows_at
from tests.http.use_cases import readme

COORDINATOR = "mappa-coordinator-001"
ROLE, PURPOSE = "mappa-coordinator", "mappa"
UNKNOWN = "H99999999"



def iso(value: Any) -> str | None:
    """A date column as GraphQL gives it (SQLite keeps dates as ISO text)."""
    return value if value is None or isinstance(value, str) else date.isoformat(value)


def moment(value: Any) -> datetime:
    """A time as UTC: the police system stores naive UTC, the hub gives it its offset."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


async def offenders(settings: Settings) -> dict[str, Any]:
    """person id -> probation's offender row (crn, MAPPA level and category, review, coordinator, risk)."""
    crn = await person_of(settings, "crn")
    return {crn[r.crn]: r for r in await rows_at(settings.agency_url("probation"), (
        "SELECT crn, mappa_level, mappa_category, mappa_next_review, mappa_coordinator_id, ogrs_score, "
        "rosh_level FROM offender"))}


async def test_the_review_lists_exactly_the_level_1_cases_on_the_coordinators_list(
        governed: Governed, settings: Settings) -> None:
    data = await readme.ask(governed, "4")
    people = data["people"]
    held = await offenders(settings)
    listed = {p for p, r in held.items() if r.mappa_level == 1 and r.mappa_coordinator_id == COORDINATOR}
    assert listed, "the seeded data gives the coordinator no case to review"
    nodes = [e["node"] for e in people["edges"]]
    assert [n["id"] for n in nodes] == sorted(listed) and people["totalCount"] == len(listed)
    for node in nodes:
        row = held[node["id"]]
        assert node["identifiers"]["crn"] == row.crn
        assert node["probation"]["mappaLevel"] == 1 and node["probation"]["mappaCategory"] == row.mappa_category
        assert node["probation"]["nextReviewDate"] == iso(row.mappa_next_review)
        assert node["probation"]["ogrsScore"] == row.ogrs_score
        assert node["probation"]["roshLevel"] == row.rosh_level.upper()


async def test_police_data_comes_with_every_case_on_the_list(governed: Governed, settings: Settings) -> None:
    nodes = {e["node"]["id"]: e["node"] for e in (await readme.ask(governed, "4"))["people"]["edges"]}
    pnc = await person_of(settings, "pncId")
    police = settings.agency_url("police")
    arrests: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for pnc_id, at, offence in await rows_at(police, "SELECT pnc_id, arrested_at, offence FROM arrest"):
        arrests[pnc[pnc_id]].append((moment(at), offence))
    markers: dict[str, list[str]] = defaultdict(list)
    for pnc_id, marker in await rows_at(police, "SELECT pnc_id, marker FROM warning_marker"):
        markers[pnc[pnc_id]].append(marker)
    shared: dict[str, list[str]] = defaultdict(list)  # only handling code P intelligence leaves police
    for pnc_id, summary in await rows_at(police, "SELECT pnc_id, summary FROM intelligence_report "
                                              "WHERE handling_code = 'P'"):
        shared[pnc[pnc_id]].append(summary)
    nominals = {pnc[r[0]] for r in await rows_at(police, "SELECT pnc_id FROM nominal")}
    with_arrests = 0
    for person, node in nodes.items():
        if person not in nominals:
            assert node["police"] is None  # police hold no record: said, as the coordinator may see theirs
            continue
        got = node["police"]
        assert sorted((moment(a["arrestedAt"]), a["offence"]) for a in got["arrests"]) == sorted(arrests[person])
        assert sorted(m["marker"] for m in got["warningMarkers"]) == sorted(m.upper() for m in markers[person])
        assert sorted(r["summary"] for r in got["intelligence"]) == sorted(shared[person])
        with_arrests += bool(got["arrests"])
    assert with_arrests, "no case on the list has an arrest: the police part proves nothing"


async def test_no_one_off_the_list_is_found(governed: Governed, settings: Settings) -> None:
    held = await offenders(settings)
    others = {
        "another coordinator's level 1 case": [p for p, r in held.items()
                                               if r.mappa_level == 1 and r.mappa_coordinator_id != COORDINATOR],
        "a level 2 case": [p for p, r in held.items() if r.mappa_level == 2],
        "a level 3 case": [p for p, r in held.items() if r.mappa_level == 3],
        "outside MAPPA": [p for p, r in held.items() if r.mappa_level is None],
    }
    query = ("query($id: ID!) { person(id: $id) { id name police { arrests { offence } } "
             "probation { mappaLevel ogrsScore } } }")
    unknown = await governed.ask(query, {"id": UNKNOWN}, role=ROLE, purpose=PURPOSE)
    assert unknown["data"] == {"person": None} and "errors" not in unknown
    for kind, people in others.items():
        assert people, f"the seeded data has no {kind}"
        for person in sorted(people)[:3]:
            got = await governed.ask(query, {"id": person}, role=ROLE, purpose=PURPOSE)
            assert {k: v for k, v in got.items() if k != "extensions"} == {"data": {"person": None}}, kind
    # Nor by a search: every person the coordinator can list is on the list, and level 2 and 3 find no one.
    listed = {p for p, r in held.items() if r.mappa_level == 1 and r.mappa_coordinator_id == COORDINATOR}
    everyone = await governed.ask("{ people(first: 500) { edges { node { id police { arrests { offence } } } } } }",
                                  role=ROLE, purpose=PURPOSE)
    assert {e["node"]["id"] for e in everyone["data"]["people"]["edges"]} == listed
    higher = await governed.ask("{ people(first: 500, filter: {mappaLevels: [2, 3]}) { totalCount edges { "
                                "node { id } } } }", role=ROLE, purpose=PURPOSE)
    assert higher["data"]["people"] == {"totalCount": 0, "edges": []}


async def test_every_level_1_case_is_on_one_review_list_and_no_other_case_is(settings: Settings) -> None:
    # The review list as the synthetic data tells it: level 1 only, each case on exactly one coordinator's list.
    held = await offenders(settings)
    for person, row in held.items():
        if row.mappa_level == 1:
            assert row.mappa_coordinator_id and row.mappa_coordinator_id.startswith("mappa-coordinator-"), person
        else:
            assert row.mappa_coordinator_id is None, person
    assert len({r.mappa_coordinator_id for r in held.values() if r.mappa_coordinator_id}) >= 2

"""The hub as an Apollo Federation v2 subgraph.

``_entities`` is governed and audited exactly as ``person(id:)``, for every role and purpose; the hub's
subgraph SDL composes with a partner's (a courts service extending ``Person`` with hearings) under the
real ``@apollo/composition``, which also refuses a partner that contradicts it; and a query through a
real ``@apollo/gateway``, with the caller's headers forwarded, gets the governed answer and leaves the
hub's audit record about each person it reached.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from audit.review import AuditFilter, search
from audit.store import AuditStore
from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.graph_client import GraphClient
from tests.http.conftest import Governed
from tests.http.test_prefetch import _audited, _justification
from tests.http.test_sharing_matrix import ANSWERED
from tests.schema.test_graph import FULL
from tests.served import served

HERE = Path(__file__).resolve().parent
PEOPLE = ["H00000001", "H00000002", "H00000007", "H99999999"]
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Person { ...Full } } }" + FULL
ONE = "query($id: ID!) { person(id: $id) { ...Full } }" + FULL


def node() -> str | None:
    found = shutil.which("node")
    installed = (HERE / "node_modules" / "@apollo" / "gateway").is_dir()
    if (found is None or not installed) and os.environ.get("CI") == "true":
        pytest.fail("CI must run the federation tests: `make test` installs them with npm ci in tests/federation")
    return found if found and installed else None


def _codes(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((e["extensions"]["code"], e["extensions"].get("field")) for e in result.get("errors", []))


@pytest.mark.parametrize(("role", "purpose"), ANSWERED, ids=[f"{r}-{p}" for r, p in ANSWERED])
async def test_entities_answer_and_audit_as_person_by_id(governed: Governed, role: str, purpose: str) -> None:
    for person in PEOPLE:
        one = await governed.ask(ONE, {"id": person}, role=role, purpose=purpose,
                                 justification=_justification(purpose))
        many = await governed.ask(ENTITIES, {"r": [{"__typename": "Person", "id": person}]}, role=role,
                                  purpose=purpose, justification=_justification(purpose))
        assert many["data"]["_entities"] == [one["data"]["person"]], (role, purpose, person)
        assert _codes(many) == _codes(one), (role, purpose, person)
    records = await governed.records()
    by_person = [_audited(r) for r in records[0::2]], [_audited(r) for r in records[1::2]]
    assert by_person[0] == by_person[1]


async def test_entities_refuse_who_may_identify_no_one_and_bad_representations(governed: Governed) -> None:
    refused = await governed.ask(ENTITIES, {"r": [{"__typename": "Person", "id": "H00000001"}]},
                                 role="partnership-analyst", purpose="partnership-analytics")
    assert refused["data"] is None or refused["data"]["_entities"] is None
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["PERSON_LEVEL_NOT_PERMITTED"]
    too_many = [{"__typename": "Person", "id": "H00000001"}] * 501
    for bad in ([{"__typename": "Hearing", "id": "H00000001"}], [{"__typename": "Person", "id": "X1"}],
                [{"__typename": "Person", "id": "H00000001", "name": "guess"}], too_many):
        got = await governed.ask(ENTITIES, {"r": bad}, role="probation-practitioner", purpose="mappa")
        codes = [e["extensions"]["code"] for e in got["errors"]]
        # too many: the query guards refuse it before the resolver's own limit would
        assert codes == (["QUERY_TOO_COSTLY"] if bad is too_many else ["BAD_USER_INPUT"]), bad[0]


async def _sdl(client: GraphClient, token: str) -> str:
    got = await client.post({"query": "{ _service { sdl } }"},
                            headers={"authorization": f"Bearer {token}", "x-purpose-of-use": "mappa"})
    assert got.status_code == 200, got.text
    sdl: str = got.json()["data"]["_service"]["sdl"]
    return sdl


async def _node(runner: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(runner, *args, cwd=HERE, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_the_hub_composes_with_a_partner_and_a_contradiction_does_not(governed: Governed,
                                                                              tmp_path: Path) -> None:
    runner = node()
    if runner is None:
        pytest.skip("node or tests/federation/node_modules missing (make test installs them)")
    sdl = await _sdl(GraphClient(governed.app), governed.token("probation-practitioner"))
    assert 'type Person @key(fields: "id"' in sdl and "@link" in sdl
    (tmp_path / "hub.graphql").write_text(sdl)
    code, supergraph, err = await _node(runner, "compose.mjs", str(tmp_path / "hub.graphql"),
                                        "http://hub.invalid/graphql", "http://courts.invalid/graphql")
    assert code == 0, err
    assert "join__type(graph: HUB" in supergraph and "join__type(graph: COURTS" in supergraph
    assert "hearings: [Hearing!]!" in supergraph and "probation: ProbationRecord" in supergraph
    (tmp_path / "partner.graphql").write_text(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
        'type Person @key(fields: "id") { id: ID! name: Int }\ntype Query { anyone: Person }\n')
    code, _, err = await _node(runner, "compose.mjs", str(tmp_path / "hub.graphql"), "http://hub.invalid/graphql",
                               "http://courts.invalid/graphql", str(tmp_path / "partner.graphql"))
    assert code == 1 and "name" in err, "composition must fail on a partner contradicting the hub's Person"


async def test_a_query_through_the_gateway_is_governed_and_audited(settings: Settings, tmp_path: Path,
                                                                  truth: GraphClient) -> None:
    runner = node()
    if runner is None:
        pytest.skip("node or tests/federation/node_modules missing (make test installs them)")
    token = issue_dev_token(settings, user="om-001", agency="probation", roles=["probation-practitioner"])
    query = """{ hearingsListed { court defendant { id name probation { ogrsScore } hearings { listedOn } } } }"""
    async with served(settings) as hub:
        async with httpx.AsyncClient() as client:
            got = await client.post(f"{hub.base}/graphql", json={"query": "{ _service { sdl } }"},
                                    headers={"authorization": f"Bearer {token}", "x-purpose-of-use": "mappa"})
            (tmp_path / "hub.graphql").write_text(got.json()["data"]["_service"]["sdl"])
            proc = await asyncio.create_subprocess_exec(
                runner, "gateway.mjs", str(tmp_path / "hub.graphql"), f"{hub.base}/graphql", cwd=HERE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            try:
                assert proc.stdout is not None
                line = b""
                while not line.startswith(b"READY "):  # Apollo Server may log a line of its own first
                    line = await asyncio.wait_for(proc.stdout.readline(), 60)
                    assert line, (await proc.stderr.read()).decode()[-2000:] if proc.stderr else "no output"
                gateway = json.loads(line[len(b"READY "):])["gateway"]
                answer = (await client.post(gateway, json={"query": query}, headers={
                    "authorization": f"Bearer {token}", "x-purpose-of-use": "mappa",
                    "x-justification": "panel 2026-12", "apollo-require-preflight": "true"})).json()
            finally:
                proc.terminate()
                await proc.wait()
        hub.process.terminate()  # a graceful stop flushes the audit trail
        await hub.process.wait()
    truth_people = (await truth.query(
        '{ a: person(id: "H00000001") { name probation { ogrsScore } } '
        'b: person(id: "H00000002") { name probation { ogrsScore } } }'))["data"]
    hearings = answer["data"]["hearingsListed"]
    assert [h["defendant"]["id"] for h in hearings] == ["H00000001", "H00000002", "H99999999"], answer
    unknown = hearings[2]["defendant"]  # the courts' reference stands; the hub knows no one by it and says nothing
    assert unknown["name"] is None and unknown["probation"] is None, answer
    for hearing, expected in zip(hearings, (truth_people["a"], truth_people["b"]), strict=False):
        assert hearing["defendant"]["name"] == expected["name"]
        assert hearing["defendant"]["hearings"], "the courts subgraph's field on the hub's Person"
    store = await AuditStore.open(settings)
    try:
        found, _ = await search(store.engine, AuditFilter(), first=100)
    finally:
        await store.dispose()
    entities = [r for r in found if set(r.event.subjects) & {"H00000001", "H00000002"}
                and r.event.actor_id == "om-001" and r.event.justification == "panel 2026-12"]
    assert entities, "the hub audited the gateway's _entities call as the forwarded caller"
    record = entities[0].event
    assert record.purpose == "mappa" and record.outcome in ("ok", "partial")
    assert set(record.subjects) == {"H00000001", "H00000002"}
    assert "Person.name" in json.dumps(record.disclosed)
    assert "hearings" not in json.dumps(record.disclosed), "the record is the hub's: nothing of the courts'"

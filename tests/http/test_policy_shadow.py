"""HUB_POLICY_SHADOW: a candidate policy judged beside the live one on real traffic, releasing nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.cli import main
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from hub.web.shadow import shadow_log
from tests.http.conftest import Governed
from tests.policy_copies import copy_shipped

RELEASE = "victim-liaison,victim-contact,release,allow,victim_case,,Probation ISA,PROB-ISA 6.5,"
QUERY = "{ people(first: 50, filter: {onMyCaseload: true}) { edges { node { id probation { releaseDate } } } } }"


def candidate(tmp_path: Path, rule: str) -> Path:
    """The packaged agreements with victim services no longer told release dates."""
    new = copy_shipped(tmp_path / "candidate")
    path = next(new.rglob("probation-isa.csv"))
    assert RELEASE in path.read_text()
    path.write_text(path.read_text().replace(RELEASE, rule))
    return new


@pytest.fixture
async def shadowed(settings: Settings, tmp_path: Path) -> AsyncIterator[Governed]:
    shadow = settings.model_copy(update=dict(policy_shadow=candidate(
        tmp_path, "victim-liaison,victim-contact,release,deny,,,Probation ISA,PROB-ISA 6.5,")))
    hub = Hub.open(shadow)
    app = create_app(shadow, hub=hub)
    yield Governed(app, shadow, hub)
    await app.state.governance.audit.close()
    await hub.close()


async def test_the_live_policy_releases_and_the_candidate_s_opinion_is_logged(
        shadowed: Governed, capsys: pytest.CaptureFixture[str]) -> None:
    answer = await shadowed.ask(QUERY, role="victim-liaison", purpose="victim-contact")
    people = [e["node"] for e in answer["data"]["people"]["edges"]]
    assert people and any(p["probation"]["releaseDate"] for p in people), "the live policy releases the dates"
    log = shadow_log(shadowed.settings)
    [line] = [json.loads(x) for x in log.read_text().splitlines()]
    assert (line["field"], line["live"], line["shadow"]) == ("ProbationRecord.releaseDate", "allow if victim_case",
                                                             "deny")
    assert line["people"] == sum(1 for p in people if p["probation"] is not None)
    assert line["actor"] == "victim-liaison-001" and line["purpose"] == "victim-contact"
    # Never a value or a person: only fields, effects and counts.
    text = log.read_text()
    assert not any(p["id"] in text for p in people)
    assert not any(p["probation"]["releaseDate"] in text for p in people if p["probation"]["releaseDate"])
    # A request touching nothing the candidate changes logs nothing.
    await shadowed.ask("{ people(first: 5) { edges { node { id probation { ogrsBand } } } } }",
                       role="probation-practitioner", purpose="iom")
    assert len(log.read_text().splitlines()) == 1
    assert main(["policy", "shadow-report", "--log", str(log)]) == 0
    report = capsys.readouterr().out
    assert "victim-liaison / victim-contact / ProbationRecord.releaseDate: live allow if victim_case" in report
    assert "1 request(s)" in report


def test_an_invalid_candidate_stops_the_hub_at_start(settings: Settings, tmp_path: Path) -> None:
    broken = settings.model_copy(update=dict(policy_shadow=candidate(
        tmp_path, "victim-liaison,victim-contact,release,allow,no_such_condition,,Probation ISA,PROB-ISA 6.5,")))
    with pytest.raises(ConfigurationError, match="HUB_POLICY_SHADOW"):
        create_app(broken)

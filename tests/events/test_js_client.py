"""The README's JavaScript subscription (docs/clients/javascript, graphql-ws) works as written, against a live hub:
a victim liaison officer's client is told of an early release with the date, type and exclusion zones only."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hub.cli.simulate import release
from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.clients.test_client_examples import run
from tests.events.conftest import sql
from tests.events.test_early_release import CRN
from tests.http.seeded import person_of
from tests.served import served

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "clients" / "javascript"


def node() -> str | None:
    found = shutil.which("node")
    ready = found is not None and (EXAMPLE / "node_modules" / ".installed").is_file()
    if not ready and os.environ.get("CI") == "true":
        pytest.fail("CI must run the JavaScript subscription example: `make test` installs it with npm ci")
    return found if ready else None


async def test_the_javascript_client_subscribes_as_the_readme_shows(own_settings: Settings) -> None:
    runner = node()
    if runner is None:
        pytest.skip("node or docs/clients/javascript/node_modules missing (make test installs them)")
    settings = own_settings
    person = (await person_of(settings, "crn"))[CRN]
    [(planned,)] = sql(settings, "probation", "SELECT max(release_date) FROM sentence WHERE crn = :crn", crn=CRN)
    earlier = date.fromisoformat(planned) - timedelta(days=10)
    token = issue_dev_token(settings, user="victim-liaison-001", agency="probation", roles=["victim-liaison"])
    async with served(settings) as hub:
        since = datetime.now(UTC) - timedelta(seconds=1)
        await release(settings, person, earlier, early=True)  # captured; the client replays it from `since`
        printed = json.loads(await run(runner, "subscribe.mjs", cwd=EXAMPLE, env={
            "HUB_URL": hub.base, "HUB_TOKEN": token, "HUB_PURPOSE": "victim-contact",
            "HUB_SINCE": since.isoformat().replace("+00:00", "Z")}))
    assert printed["type"] == "RELEASE_SCHEDULED" and printed["personId"] == person
    assert printed["releaseDate"] == earlier.isoformat() and printed["previousReleaseDate"] == planned
    assert printed["releaseType"] == "EARLY_RELEASE"
    assert printed["licenceConditions"] and {c["kind"] for c in printed["licenceConditions"]} == {"EXCLUSION_ZONE"}
    assert len(printed["eventId"]) == 32  # opaque

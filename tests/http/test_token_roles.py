"""A token's roles must belong to its agency (policies/agreements/roles.csv, as in force), over HTTP."""

from __future__ import annotations

import argparse
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from hub.cli import token as token_cli
from hub.core.errors import BadUserInput
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.auth import issue_dev_token
from hub.web.auth.keys import ensure_dev_keys
from hub.web.runtime import Hub
from tests.http.conftest import Governed
from tests.policy_copies import copy_shipped

QUERY = '{ person(id: "H00000001") { id name probation { tier } } }'


def minted(settings: Settings, agency: str, *roles: str, user: str = "om-001") -> str:
    """A properly signed token with any claims at all (``hub token`` refuses to make these)."""
    now = int(time.time())
    claims = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": user, "agency": agency,
              "roles": list(roles), "iat": now, "nbf": now, "exp": now + 600}
    return jwt.encode(claims, ensure_dev_keys(settings.keys_dir).private, algorithm="EdDSA")


async def ask(governed: Governed, token: str, purpose: str) -> tuple[int, dict[str, Any]]:
    response = await governed.post({"query": QUERY},
                                   {"authorization": f"Bearer {token}", "x-purpose-of-use": purpose})
    return response.status_code, response.json()


@pytest.mark.parametrize(("agency", "roles", "purpose"), [
    ("police", ("probation-practitioner",), "daily-intel"),
    ("probation", ("police-iom-officer",), "iom"),
    ("housing", ("treatment-keyworker",), "continuity-of-care"),
    ("police", ("police-iom-officer", "probation-practitioner"), "iom"),
    ("probation", ("police-iom-officer", "probation-practitioner"), "iom"),
    ("partnership", ("ig-officer", "victim-liaison"), "audit"),
])
async def test_a_role_of_another_agency_is_refused(governed: Governed, agency: str, roles: tuple[str, ...],
                                                   purpose: str) -> None:
    status, body = await ask(governed, minted(governed.settings, agency, *roles), purpose)
    assert status == 403 and body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID_TOKEN", "reason": "role_not_of_agency"}
    assert f"agency {agency} may not hold role" in body["errors"][0]["message"]
    rec = (await governed.records())[-1].event
    assert (rec.outcome, rec.error_codes, rec.actor_id, rec.subjects) == ("refused", ("INVALID_TOKEN",),
                                                                         "anonymous", ())


async def test_several_roles_of_one_agency_are_accepted(governed: Governed) -> None:
    token = minted(governed.settings, "probation", "probation-practitioner", "victim-liaison")
    status, body = await ask(governed, token, "daily-intel")
    assert status == 200 and body["data"]["person"]["id"] == "H00000001"
    rec = (await governed.records())[-1].event
    assert (rec.agency, rec.roles) == ("probation", ("probation-practitioner", "victim-liaison"))


@pytest.fixture
async def reloadable(settings: Settings, tmp_path: Path) -> AsyncIterator[Governed]:
    """The governed hub on a private copy of the policy files, to change while it serves."""
    directory = copy_shipped(tmp_path / "policies")
    own = settings.model_copy(update=dict(policy_dir=directory))
    hub = Hub.open(own)
    app = create_app(own, hub=hub)
    yield Governed(app, own, hub)
    await app.state.governance.audit.close()
    await hub.close()


async def test_the_roles_in_force_apply_after_a_reload(reloadable: Governed) -> None:
    settings = reloadable.settings
    assert settings.policy_dir is not None
    roles_file = settings.policy_dir / "agreements" / "roles.csv"
    officer = minted(settings, "police", "police-iom-officer", user="iom-officer-001")
    assert (await ask(reloadable, officer, "iom"))[0] == 200  # verified, and now in the verified-token cache
    crossover = minted(settings, "police", "probation-practitioner")
    assert (await ask(reloadable, crossover, "daily-intel"))[0] == 403
    text = roles_file.read_text()
    roles_file.write_text(text.replace("police-iom-officer,police", "police-iom-officer,probation")
                          .replace("probation-practitioner,probation", "probation-practitioner,probation police"))
    assert reloadable.app.state.governance.policies.reload()
    status, body = await ask(reloadable, officer, "iom")
    assert status == 403 and body["errors"][0]["extensions"]["reason"] == "role_not_of_agency"
    assert (await ask(reloadable, crossover, "daily-intel"))[0] == 200


def test_hub_token_refuses_a_role_of_another_agency(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    token_cli.configure(parser)
    args = parser.parse_args(["--user", "om-001", "--agency", "police", "--role", "probation-practitioner"])
    assert token_cli.run(args, settings) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "agency police may not hold role probation-practitioner" in captured.err
    mixed = parser.parse_args(["--user", "om-001", "--agency", "probation", "--role", "probation-practitioner",
                               "--role", "housing-officer"])
    assert token_cli.run(mixed, settings) == 2
    assert "may not hold role housing-officer" in capsys.readouterr().err
    both = parser.parse_args(["--user", "om-001", "--agency", "probation", "--role", "probation-practitioner",
                              "--role", "victim-liaison"])
    assert token_cli.run(both, settings) == 0
    with pytest.raises(BadUserInput, match=r"roles\.csv"):
        issue_dev_token(settings, user="ig-001", agency="police", roles=["ig-officer"])

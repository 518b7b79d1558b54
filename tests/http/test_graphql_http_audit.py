"""The GraphQL over HTTP conformance audit (the ``graphql-http`` npm package) against a live hub.

Every MUST passes, and the only warnings allowed are the audit's GET notices: the hub deliberately runs
no queries over GET (variables in a URL end up in access logs and proxies).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from hub.core.settings import Settings
from hub.web.auth import issue_dev_token
from tests.served import served

JS = Path(__file__).resolve().parents[1] / "js"


def node() -> str | None:
    found = shutil.which("node")
    if (found is None or not (JS / "node_modules" / "graphql-http").is_dir()) and os.environ.get("CI") == "true":
        pytest.fail("CI must run the graphql-http audit: `make test` installs it with npm ci in tests/js")
    return found if found and (JS / "node_modules" / "graphql-http").is_dir() else None


async def test_the_graphql_over_http_audit_passes(settings: Settings) -> None:
    runner = node()
    if runner is None:
        pytest.skip("node or tests/js/node_modules missing (make test installs them)")
    token = issue_dev_token(settings, user="om-001", agency="probation", roles=["probation-practitioner"])
    async with served(settings) as hub:
        proc = await asyncio.create_subprocess_exec(runner, str(JS / "audit.mjs"), f"{hub.base}/graphql", token, "iom",
                                                    cwd=JS, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()[-2000:]
    results = json.loads(out)
    assert len(results) > 40, "the audit ran too few checks"
    failed = [r for r in results if r["status"] == "error"]
    assert not failed, json.dumps(failed, indent=1)
    warned = [r for r in results if r["status"] == "warn"]
    assert all("GET" in r["name"] for r in warned), json.dumps(warned, indent=1)
    print(f"graphql-http audit: {len(results)} checks, {len(warned)} warnings (GET), 0 failures")

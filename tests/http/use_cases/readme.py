"""The README's answers to the partnership's questions (DOMAIN.md's nine use cases), read as written.

Each answer is a fenced ``graphql`` block in the README whose first line says which use case it answers
and who may run it, for example::

    # Use case 1 · role probation-practitioner (om-001, probation) · purpose daily-intel

optionally followed by ``· justification "..."``. The tests run the block's text exactly as a partner
would paste it, with the caller and headers that line names, so the README cannot drift from what works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.http.conftest import STAFF, Governed

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()

_BLOCK = re.compile(r"```graphql\n(# Use case [^\n]*)\n(.*?)```", re.DOTALL)
_HEADER = re.compile(
    r"# Use case (?P<key>\S+) · role (?P<role>[a-z-]+)(?: \((?P<user>[\w-]+), (?P<agency>[a-z]+)\))?"
    r" · purpose (?P<purpose>[a-z-]+)(?: · justification \"(?P<justification>[^\"]+)\")?$")


@dataclass(frozen=True)
class UseCase:
    key: str
    query: str
    role: str
    user: str
    agency: str
    purpose: str
    justification: str | None


def use_cases() -> dict[str, UseCase]:
    found: dict[str, UseCase] = {}
    for header, body in _BLOCK.findall(README):
        m = _HEADER.match(header)
        assert m is not None, f"a use-case block's first line does not say who runs it: {header!r}"
        user, agency = m["user"], m["agency"]
        if user is None:
            user, agency = STAFF[m["role"]]
        assert m["key"] not in found, f"use case {m['key']} is answered twice in the README"
        found[m["key"]] = UseCase(m["key"], body, m["role"], user, agency, m["purpose"], m["justification"])
    return found


def use_case(key: str) -> UseCase:
    cases = use_cases()
    assert key in cases, f"the README has no query for use case {key}"
    return cases[key]


async def ask(governed: Governed, key: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the README's query for a use case as its caller; the answer must have no errors."""
    case = use_case(key)
    headers = {"authorization": f"Bearer {governed.token(case.role, case.user, case.agency)}",
               "x-purpose-of-use": case.purpose}
    if case.justification:
        headers["x-justification"] = case.justification
    response = await governed.post({"query": case.query, "variables": variables or {}}, headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert "errors" not in result, result["errors"]
    return result["data"]  # type: ignore[no-any-return]

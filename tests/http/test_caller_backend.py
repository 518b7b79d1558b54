"""The caller, as Starlette's authentication sees it: a typed VerifiedCaller in ``scope["user"]``."""

from __future__ import annotations

import pytest
from starlette.authentication import AuthCredentials
from starlette.requests import HTTPConnection

from hub.web.caller import CallerBackend, Refused
from hub.web.state import VerifiedCaller
from tests.http.conftest import Governed


def connection(path: str, headers: dict[str, str], method: str = "POST") -> HTTPConnection:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return HTTPConnection({"type": "http", "method": method, "path": path, "query_string": b"", "headers": raw})


def backend(governed: Governed) -> CallerBackend:
    gov = governed.app.state.governance
    return CallerBackend(gov.authenticator, gov.policies.current)


async def test_a_permitted_caller_is_a_verified_caller_with_a_plan(governed: Governed) -> None:
    found = await backend(governed).authenticate(connection("/graphql", governed.headers("police-iom-officer", "iom")))
    assert found is not None
    credentials, user = found
    assert isinstance(credentials, AuthCredentials) and credentials.scopes == ["police-iom-officer"]
    assert isinstance(user, VerifiedCaller) and user.is_authenticated and user.plan is not None
    assert (user.identity, user.principal.agency, user.purpose, user.justification) == (
        "iom-officer-001", "police", "iom", None)


async def test_a_refused_purpose_still_names_the_verified_caller(governed: Governed) -> None:
    with pytest.raises(Refused) as refused:
        await backend(governed).authenticate(
            connection("/graphql", governed.headers("police-iom-officer", "housing-referral", "why")))
    assert refused.value.error.code == "PURPOSE_NOT_PERMITTED"
    caller = refused.value.caller
    assert caller is not None and caller.plan is None
    assert (caller.identity, caller.purpose, caller.justification) == ("iom-officer-001", "housing-referral", "why")


async def test_a_bad_token_names_no_one(governed: Governed) -> None:
    with pytest.raises(Refused) as refused:
        await backend(governed).authenticate(connection("/graphql", {"authorization": "Bearer forged"}))
    assert refused.value.error.code == "INVALID_TOKEN" and refused.value.caller is None


async def test_health_checks_and_the_graphiql_page_are_not_authenticated(governed: Governed) -> None:
    b = backend(governed)
    assert await b.authenticate(connection("/healthz", {})) is None
    assert await b.authenticate(connection("/graphql", {"accept": "text/html"}, method="GET")) is None
    with pytest.raises(Refused):  # anything else at /graphql is a query
        await b.authenticate(connection("/graphql", {"accept": "application/json"}, method="GET"))

"""The audit keeps a request's variables only as a keyed digest: repeats match, guesses cannot be tested."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from audit.digest import KEY_FILE, VariablesDigest, load_digest
from audit.tables import metadata
from hub.core.db import create_engine
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.auth.keys import PUBLIC_FILE, ensure_dev_keys
from hub.web.runtime import Hub
from tests.http.conftest import Governed

LOOKUP = ('query Lookup($scheme: IdentifierScheme!, $value: String!) '
          '{ personByIdentifier(scheme: $scheme, value: $value) { id } }')


def plain_hashes(variables: dict[str, Any]) -> set[str]:
    """SHA-256 (and SHA-1, MD5) of every reasonable serialisation of the variables and their values."""
    texts = {
        json.dumps(variables), json.dumps(variables, sort_keys=True),
        json.dumps(variables, sort_keys=True, default=str),
        json.dumps(variables, separators=(",", ":")), json.dumps(variables, sort_keys=True, separators=(",", ":")),
        json.dumps(variables, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
        json.dumps(variables, indent=2), json.dumps(variables, sort_keys=True, indent=2), str(variables), "",
        *(str(v) for v in variables.values()), *(json.dumps(v) for v in variables.values()),
    }
    return {h(t.encode()).hexdigest() for t in texts for h in (hashlib.sha256, hashlib.sha1, hashlib.md5)}


async def stored_text(settings: Settings) -> str:
    """Every cell of every table in the audit store, as one string."""
    engine = create_engine(settings.audit_url)
    try:
        async with engine.connect() as conn:
            cells = [str(v) for table in metadata.sorted_tables
                     for row in (await conn.execute(select(table))).all() for v in row]
    finally:
        await engine.dispose()
    return "\n".join(cells)


async def test_no_plain_hash_of_the_variables_is_stored(governed: Governed, settings: Settings) -> None:
    variables = {"scheme": "CRN", "value": "X000001"}
    await governed.ask(LOOKUP, variables, role="probation-practitioner", purpose="daily-intel")
    await governed.ask(PROFILE_WITH_ID, {"id": "H00000001"}, role="probation-practitioner", purpose="daily-intel")
    text = await stored_text(settings)
    for vs in (variables, {"id": "H00000001"}):
        found = [h for h in plain_hashes(vs) if h in text]
        assert found == [], "a plain hash of the variables is on the trail: the identifier can be recovered"
    assert "X000001" not in text  # (a person id is stored as the subject; a CRN never)
    records = await governed.records()
    digest = load_digest(settings)
    assert records[0].event.variables_hash == digest(variables)
    assert records[1].event.variables_hash == digest({"id": "H00000001"})


PROFILE_WITH_ID = 'query Profile($id: ID!) { person(id: $id) { id } }'


async def test_the_same_variables_give_the_same_digest(governed: Governed) -> None:
    for variables in ({"value": "X000001", "scheme": "CRN"}, {"scheme": "CRN", "value": "X000001"},
                      {"scheme": "CRN", "value": "X000002"}):
        await governed.ask(LOOKUP, variables, role="probation-practitioner", purpose="daily-intel")
    first, reordered, other = (r.event.variables_hash for r in await governed.records())
    assert first == reordered, "information governance cannot match a repeated request"
    assert first != other and first is not None and len(first) == 64


def test_a_different_key_gives_a_different_digest() -> None:
    variables = {"scheme": "CRN", "value": "X000001"}
    one, two = VariablesDigest(b"a" * 32), VariablesDigest(b"b" * 32)
    assert one(variables) == one(dict(reversed(variables.items())))
    assert one(variables) != two(variables)
    assert "a" * 32 not in repr(one)
    with pytest.raises(ConfigurationError):
        VariablesDigest(b"short")


def test_the_development_key_is_generated_once_private_to_the_user(settings: Settings) -> None:
    first = load_digest(settings)
    path = settings.keys_dir / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_digest(settings) == first


def test_production_needs_a_key_file(settings: Settings, tmp_path: Path) -> None:
    prod = settings.model_copy(update=dict(environment="production"))
    with pytest.raises(ConfigurationError, match="HUB_AUDIT_DIGEST_KEY_FILE"):
        load_digest(prod)
    short = tmp_path / "short.key"
    short.write_text("too short\n")
    with pytest.raises(ConfigurationError, match="fewer than 32"):
        load_digest(prod.model_copy(update=dict(audit_digest_key_file=short)))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_digest(prod.model_copy(update=dict(audit_digest_key_file=tmp_path / "missing.key")))
    secret = tmp_path / "digest.key"
    secret.write_text("f" * 64 + "\n")
    assert load_digest(prod.model_copy(update=dict(audit_digest_key_file=secret))) == VariablesDigest(b"f" * 64)
    assert not (settings.keys_dir / KEY_FILE).exists(), "production generated a development key"


async def test_the_app_refuses_to_start_in_production_without_the_key(settings: Settings) -> None:
    ensure_dev_keys(settings.keys_dir)  # a token key production accepts, so only the digest key is missing
    prod = settings.model_copy(update=dict(environment="production",
                                           jwt_public_key_file=settings.keys_dir / PUBLIC_FILE))
    hub = Hub.open(prod)
    try:
        with pytest.raises(ConfigurationError, match="HUB_AUDIT_DIGEST_KEY_FILE"):
            create_app(prod, hub=hub)
    finally:
        await hub.close()


def test_the_setting_is_read_from_the_environment(tmp_path: Path) -> None:
    s = Settings.from_env({"HUB_AUDIT_DIGEST_KEY_FILE": str(tmp_path / "k"), "HUB_DATA_DIR": str(tmp_path)})
    assert s.audit_digest_key_file == tmp_path / "k"


async def test_a_literal_in_the_query_cannot_be_recovered_from_the_query_digest(
        governed: Governed, settings: Settings) -> None:
    from graphql import parse, print_ast

    query = '{ personByIdentifier(scheme: CRN, value: "X000001") { id } }'
    again = '{personByIdentifier(scheme:CRN,value:"X000001"){id}}'
    other = '{ personByIdentifier(scheme: CRN, value: "X000002") { id } }'
    for q in (query, again, other):
        await governed.ask(q, role="probation-practitioner", purpose="daily-intel")
    first, reformatted, different = (r.event.query_hash for r in await governed.records())
    printed = print_ast(parse(query))
    plain = {hashlib.sha256(t.encode()).hexdigest() for t in (query, again, printed)}
    stored = await stored_text(settings)
    assert first not in plain and not any(h in stored for h in plain), "the literal CRN could be recovered"
    assert first == reformatted == load_digest(settings).document(printed), "repeats still match"
    assert first != different

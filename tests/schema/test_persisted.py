"""Persisted operations: Apollo-style hashes, a manifest registry, and strict mode."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.persisted import MANIFEST_FORMAT, document_hash
from hub.web.runtime import Hub
from tests.graph_client import GraphClient

REGISTERED = 'query One { person(id: "H00000001") { id } }'
OTHER = '{ person(id: "H00000002") { id } }'


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    running = Hub.open(settings)
    yield running
    await running.close()


def manifest(tmp_path: Path, *bodies: str) -> Path:
    path = tmp_path / "operations.json"
    path.write_text(json.dumps({"format": MANIFEST_FORMAT, "version": 1, "operations": [
        {"id": document_hash(b), "name": "One", "type": "query", "body": b} for b in bodies]}))
    return path


def graph(settings: Settings, hub: Hub, path: Path | None, strict: bool) -> GraphClient:
    return GraphClient(create_app(settings.model_copy(update=dict(persisted_operations=path,
                                                                       strict_persisted_operations=strict)),
                                  governance=False, hub=hub))


def by_hash(body: str, query: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_hash(body)}}}
    if query is not None:
        out["query"] = query
    return out


async def codes(g: GraphClient, body: dict[str, Any]) -> tuple[list[str], Any]:
    response = await g.post(body)
    assert response.status_code == 200, response.text
    result = response.json()
    return [e["extensions"]["code"] for e in result.get("errors", [])], result["data"]


async def test_a_registered_operation_runs_by_hash_alone(settings: Settings, hub: Hub, tmp_path: Path) -> None:
    g = graph(settings, hub, manifest(tmp_path, REGISTERED), strict=False)
    assert await codes(g, by_hash(REGISTERED)) == ([], {"person": {"id": "H00000001"}})
    assert (await codes(g, by_hash(OTHER)))[0] == ["PERSISTED_QUERY_NOT_FOUND"]
    # Outside strict mode, unregistered text still runs, with or without a matching hash.
    assert await codes(g, by_hash(OTHER, OTHER)) == ([], {"person": {"id": "H00000002"}})
    assert await codes(g, {"query": OTHER}) == ([], {"person": {"id": "H00000002"}})
    assert (await codes(g, by_hash(REGISTERED, OTHER)))[0] == ["BAD_USER_INPUT"]


async def test_strict_mode_runs_only_registered_operations(settings: Settings, hub: Hub, tmp_path: Path) -> None:
    g = graph(settings, hub, manifest(tmp_path, REGISTERED), strict=True)
    assert await codes(g, by_hash(REGISTERED)) == ([], {"person": {"id": "H00000001"}})
    assert await codes(g, {"query": REGISTERED}) == ([], {"person": {"id": "H00000001"}})
    assert await codes(g, {"query": OTHER}) == (["OPERATION_NOT_REGISTERED"], None)
    assert await codes(g, by_hash(OTHER, OTHER)) == (["PERSISTED_QUERY_NOT_FOUND"], None)


def test_strict_mode_without_a_manifest_or_with_a_bad_one_will_not_start(settings: Settings, hub: Hub,
                                                                          tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        graph(settings, hub, None, strict=True)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": MANIFEST_FORMAT, "version": 1,
                               "operations": [{"id": "0" * 64, "body": REGISTERED}]}))
    with pytest.raises(ConfigurationError, match="sha256"):
        graph(settings, hub, bad, strict=False)

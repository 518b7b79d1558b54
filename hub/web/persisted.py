"""Persisted operations: a registry of vetted GraphQL documents that partner systems call by hash.

The registry is an Apollo persisted query manifest (``{"format": "apollo-persisted-query-manifest",
"version": 1, "operations": [{"id": <sha256 of body>, "name", "type", "body"}]}``), so clients built
with Apollo's tooling send ``extensions.persistedQuery.sha256Hash`` as they already do. In strict
mode a request may only run a registered operation; free text is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.core.errors import BadUserInput, ConfigurationError, HubError

MANIFEST_FORMAT = "apollo-persisted-query-manifest"


class PersistedQueryNotFound(HubError):
    code = "PERSISTED_QUERY_NOT_FOUND"
    http_status = 200
    outcome = "refused"


class OperationNotRegistered(HubError):
    code = "OPERATION_NOT_REGISTERED"
    http_status = 200
    outcome = "refused"


def document_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Registered:
    id: str
    name: str
    type: str
    body: str


class OperationRegistry:
    def __init__(self, operations: dict[str, Registered], *, strict: bool) -> None:
        self.operations = operations
        self.strict = strict

    @classmethod
    def load(cls, path: Path | None, *, strict: bool) -> OperationRegistry:
        if path is None:
            if strict:
                raise ConfigurationError("strict persisted operations need HUB_PERSISTED_OPERATIONS (a manifest)")
            return cls({}, strict=False)
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"persisted operations manifest {path} cannot be read: {exc}") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise ConfigurationError(f"{path} is not an {MANIFEST_FORMAT} (version 1)")
        operations: dict[str, Registered] = {}
        for n, op in enumerate(manifest.get("operations", []), 1):
            body = op.get("body", "") if isinstance(op, dict) else ""
            if not body or document_hash(body) != op.get("id"):
                raise ConfigurationError(f"{path}: operation {n} has no body or its id is not the sha256 of it")
            operations[op["id"]] = Registered(op["id"], op.get("name", ""), op.get("type", "query"), body)
        return cls(operations, strict=strict)

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The document to run for a request: its registered body, or its own text if allowed."""
        persisted = (extensions or {}).get("persistedQuery")
        if isinstance(persisted, dict):
            wanted = persisted.get("sha256Hash")
            if not isinstance(wanted, str):
                raise BadUserInput("extensions.persistedQuery needs a sha256Hash")
            if query is not None and document_hash(query) != wanted:
                raise BadUserInput("the query does not match its persisted-query sha256Hash")
            registered = self.operations.get(wanted)
            if registered is None:
                if self.strict or query is None:
                    raise PersistedQueryNotFound("no registered operation has this hash")
                return query
            return registered.body
        if self.strict:
            if query is not None and document_hash(query) in self.operations:
                return query
            raise OperationNotRegistered("this hub runs registered operations only: send a persisted query hash")
        return query

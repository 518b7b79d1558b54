"""The agency API's OpenAPI 3.1 document, from the same pydantic types that (de)serialise its bodies."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from connectors.http import feed as change_feed
from connectors.http.interface import Endpoint
from hub.agency_api.credentials import SCOPE
from hub.core.agency import Agency

REF = "#/components/schemas/{model}"


def document(agency: Agency, endpoints: dict[str, Endpoint], *, feed: bool = False) -> dict[str, Any]:
    """The document; with ``feed``, the agency's change feed too (connectors/http/feed.py)."""
    schemas: dict[str, Any] = {}

    def schema(adapter: TypeAdapter[Any], mode: str) -> dict[str, Any]:
        found = adapter.json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        schemas.update(found.pop("$defs", {}))
        return found

    error = {"description": "refused or failed; the body says only a code",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    paths: dict[str, Any] = {}
    for ep in endpoints.values():
        body = schema(TypeAdapter(ep.body), "validation")
        paths[ep.path] = {"post": {
            "operationId": ep.method,
            "summary": ep.doc.splitlines()[0],
            "description": ep.doc,
            "security": [{"hubClient": [SCOPE]}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": {"description": "the answer",
                        "content": {"application/json": {"schema": schema(ep.answer, "serialization")}}},
                "400": error, "401": error, "503": error,
            },
        }}
    paths["/v1/health"] = {"post": {
        "operationId": "health", "summary": "Whether the agency's database answers",
        "security": [{"hubClient": [SCOPE]}],
        "responses": {"200": {"description": "it answers"}, "401": error, "503": error},
    }}
    if feed:
        for path, op, summary, request, reply in (
                (change_feed.READ_PATH, "changes", "Outbox rows after a position, in position order",
                 change_feed.ReadAfter, change_feed.FeedPage),
                (change_feed.HEAD_PATH, "changesHead", "The last outbox position written (0: none)",
                 change_feed.Empty, change_feed.FeedPosition),
                (change_feed.POSITION_AT_PATH, "changesPositionAt",
                 "The last outbox position written before a moment (where a replay since starts)",
                 change_feed.PositionAt, change_feed.FeedPosition)):
            paths[path] = {"post": {
                "operationId": op, "summary": summary, "security": [{"hubClient": [SCOPE]}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": schema(TypeAdapter(request), "validation")}}},
                "responses": {"200": {"description": "the answer", "content": {"application/json": {
                    "schema": schema(TypeAdapter(reply), "serialization")}}}, "400": error, "401": error,
                    "503": error},
            }}
    schemas["Error"] = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{agency.description}: records API", "version": "1",
                 "description": f"The {agency.name} agency's records, in batches keyed by "
                                f"{agency.key_scheme}, for the partnership hub."},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"hubClient": {
                "type": "oauth2",
                "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {SCOPE: "read records"}}},
            }},
        },
    }

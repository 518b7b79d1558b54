"""Which media type a GraphQL response is sent as (GraphQL over HTTP, the draft specification).

``application/graphql-response+json`` when the client accepts it at least as much as
``application/json``; otherwise (no ``Accept``, ``*/*``, or ``application/json`` preferred) the legacy
``application/json``, where every well-formed request is answered 200. Under the newer type, a document
that fails parsing or validation is a 400 and its response has no ``data`` entry.
"""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _weights(accept: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        media = media.lower()
        found[media] = max(found.get(media, 0.0), weight)
    return found


def response_media_type(accept: str | None) -> str:
    if not accept:
        return JSON
    weights = _weights(accept)
    preferred = weights.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if preferred > 0 and preferred >= weights.get(JSON, 0.0) else JSON

"""The response-size limit: a result is encoded once, here, and refused whole if it is too large."""

from __future__ import annotations

import json
from typing import Any

from hub.errors import HubError


class ResponseTooLarge(HubError):
    """The answer would exceed ``HUB_LIMIT_MAX_RESPONSE_BYTES``: nothing of it is sent."""

    code = "RESPONSE_TOO_LARGE"
    http_status = 200


class Encoded(dict[str, Any]):
    """A response carrying its JSON text, so the view sends that text instead of encoding again."""

    text: str


def encode(response: dict[str, Any]) -> Encoded:
    encoded = Encoded(response)
    encoded.text = json.dumps(response, separators=(",", ":"))  # ASCII: characters are bytes
    return encoded

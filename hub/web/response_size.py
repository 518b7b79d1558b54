"""The response-size limit: a result is encoded once, here, and refused whole if it is too large."""

from __future__ import annotations

import json
from typing import Any

from hub.core.errors import HubError


class ResponseTooLarge(HubError):
    """The answer would exceed ``HUB_LIMIT_MAX_RESPONSE_BYTES``: nothing of it is sent."""

    code = "RESPONSE_TOO_LARGE"
    http_status = 200
    outcome = "refused"


class Encoded(dict[str, Any]):
    """A response carrying its JSON text, so the view sends that text instead of encoding again.
    Read-only: a change after encoding would send the stale text."""

    text: str

    def _read_only(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("an encoded response is read-only: build a new one with encode()")

    __setitem__ = __delitem__ = update = pop = popitem = setdefault = clear = _read_only


def encode(response: dict[str, Any]) -> Encoded:
    encoded = Encoded(response)
    encoded.text = json.dumps(response, separators=(",", ":"))  # ASCII: characters are bytes
    return encoded

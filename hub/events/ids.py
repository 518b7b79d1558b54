"""Public event ids: an opaque keyed digest of the agency and its outbox position.

An id made of the position itself (``police-100``) tells a subscriber who then sees ``police-105`` that four
events about someone were withheld from them, and lets anyone count an agency's activity. The public id
(GraphQL ``eventId``, ``webhook-id``, audit request ids, the trace id derived from it) is therefore an
HMAC-SHA256 of agency and position under a deployment secret: the same event has the same id on every
replica and after every restart (so receivers still drop repeats), while ids say nothing of order or gaps
to anyone without the key. Cursors, dead letters and information governance's replay keep positions.

The secret, like the audit's digest key (audit/digest.py): ``HUB_EVENT_ID_KEY_FILE`` (at least 32 random
bytes, ``openssl rand -hex 32``), required in production; otherwise ``event-id.key`` in the data folder's
keys, generated on first use (0600). Rotating it renames every event, so receivers would not recognise a
repeat delivered across the change.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from hub.core.errors import ConfigurationError
from hub.core.keyfiles import MIN_KEY_BYTES, load_secret
from hub.core.settings import Settings

KEY_FILE = "event-id.key"


@dataclass(frozen=True)
class EventIds:
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_BYTES:
            raise ConfigurationError(f"the event id key must be at least {MIN_KEY_BYTES} bytes")

    @classmethod
    def ephemeral(cls) -> EventIds:
        """A key of this process alone: ids stable for its life only (tests and one-off tools; a serving hub
        passes the deployment's, so replicas agree)."""
        return cls(secrets.token_bytes(MIN_KEY_BYTES))

    def __call__(self, agency: str, position: int) -> str:
        # 128 bits: unique for de-duplication, and the same width as the trace ids derived from them
        return hmac.new(self.key, f"event\x00{agency}\x00{position}".encode(), hashlib.sha256).hexdigest()[:32]


def load_event_ids(settings: Settings) -> EventIds:
    """The deployment's ids: from ``HUB_EVENT_ID_KEY_FILE``, or outside production the data folder's key."""
    return EventIds(load_secret(
        settings.event_id_key_file, keys_dir=settings.keys_dir, file_name=KEY_FILE,
        production=settings.environment == "production", name="event id", variable="HUB_EVENT_ID_KEY_FILE"))

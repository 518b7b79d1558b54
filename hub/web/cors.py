"""Cross-origin access for agency front-ends served from another origin (``HUB_CORS_ORIGINS``).

Outermost in the pipeline, so a preflight (``OPTIONS``) is answered before authentication and is no
GraphQL request: nothing is audited for it. Only listed origins, never ``*``: the hub's answers are
personal data, and an origin a partnership has not agreed is not one of its front-ends. Tokens travel
in ``Authorization``, not cookies, so no credentials mode is needed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from hub.core.errors import ConfigurationError
from hub.core.settings import Settings

#: What a partner's page sends: its token, its purpose and justification, trace context, retries.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Accept", "X-Purpose-Of-Use", "X-Justification",
                   "traceparent", "tracestate", "Idempotency-Key")
#: What it may read back: the ids to quote when asking about a request.
EXPOSED_HEADERS = ("X-Trace-Id", "X-Request-Id")
PREFLIGHT_CACHE_SECONDS = 600


def origins(setting: str) -> list[str]:
    found = [o.strip().rstrip("/") for o in setting.split(",") if o.strip()]
    for origin in found:
        parts = urlsplit(origin)
        if origin == "*" or parts.scheme not in ("http", "https") or not parts.hostname or parts.path \
                or parts.query or parts.fragment:
            raise ConfigurationError(f"HUB_CORS_ORIGINS: {origin!r} is not an origin such as "
                                     "https://frontend.example.org (list each one; * is not accepted)")
    return found


def cors_middleware(settings: Settings) -> list[Middleware]:
    allowed = origins(settings.cors_origins)
    if not allowed:
        return []
    return [Middleware(CORSMiddleware, allow_origins=allowed, allow_methods=["GET", "POST"],
                       allow_headers=list(ALLOWED_HEADERS), expose_headers=list(EXPOSED_HEADERS),
                       max_age=PREFLIGHT_CACHE_SECONDS)]

"""GraphiQL served by the hub itself, offline: no CDN, which police and council networks do not reach.

Its assets (GraphiQL, React, React DOM, and graphql-ws for subscriptions) come from the npm registry at
install time (``npm ci`` here, at the versions and integrity hashes of ``package-lock.json``; ``make run``
does it) and are never copied into the repository. The hub serves them under a path carrying the lock's
hash, so browsers may keep them for a year, behind a Content-Security-Policy that lets the page load
nothing but the hub's own scripts and talk to nothing but the hub (``connect-src 'self'`` covers the
same-origin ws:// or wss:// of subscriptions in Chromium; the browser test would see a violation).
The page opens on an example query with the two headers every request needs already named in its
Headers pane.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
#: What the page loads, by the name it is served under -> where npm put it.
ASSETS = {
    "react.production.min.js": MODULES / "react" / "umd" / "react.production.min.js",
    "react-dom.production.min.js": MODULES / "react-dom" / "umd" / "react-dom.production.min.js",
    "graphiql.min.js": MODULES / "graphiql" / "graphiql.min.js",
    "graphiql.min.css": MODULES / "graphiql" / "graphiql.min.css",
    "graphql-ws.min.js": MODULES / "graphql-ws" / "umd" / "graphql-ws.min.js",
    "hub-graphiql.js": HERE / "static" / "hub-graphiql.js",
}
PREFIX = "/graphiql"
#: The page and its assets: the hub's own scripts and styles (GraphiQL sets inline styles), requests to
#: the hub alone, no frames, no plugins, no forms posting elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
EXAMPLE = """# The partnership's hub: one graph over the
# agencies' systems. Each field is released as the
# sharing agreements allow for your role and
# purpose; every request is audited.
#
# Every request needs two headers (Headers, below):
#   Authorization: Bearer <token>, for example from
#     hub token --user om-001 --agency probation
#               --role probation-practitioner
#   X-Purpose-Of-Use: a purpose your role may state
# and X-Justification where the purpose needs one.
# `hub roles` lists the roles and their purposes.
query MyCaseload {
  people(first: 5, filter: {onMyCaseload: true}) {
    totalCount
    edges { node { id name probation { ogrsBand roshLevel releaseDate } } }
  }
}
"""
HEADERS = {"Authorization": "Bearer <paste the output of hub token here>", "X-Purpose-Of-Use": "iom"}


@cache
def version() -> str:
    """The lock's hash: a new set of assets is a new path, so a year's caching never serves stale ones."""
    return hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()[:12]


def installed() -> bool:
    return all(path.is_file() for path in ASSETS.values())


def page() -> Response:
    if not installed():
        return PlainTextResponse(
            "GraphiQL's assets are not installed. Run `make run` (or `npm ci` in hub/web/graphiql) and reload;\n"
            "the hub itself answers GraphQL over POST as usual.\n", status_code=503, headers=SECURITY)
    base = f"{PREFIX}/{version()}"
    settings = html.escape(json.dumps({"url": "/graphql", "query": EXAMPLE, "headers": json.dumps(HEADERS, indent=2)}))
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The hub: GraphiQL</title>
<link rel="stylesheet" href="{base}/graphiql.min.css">
</head>
<body style="margin: 0; height: 100vh">
<main id="graphiql" style="height: 100vh" data-settings="{settings}"></main>
<script src="{base}/react.production.min.js"></script>
<script src="{base}/react-dom.production.min.js"></script>
<script src="{base}/graphiql.min.js"></script>
<script src="{base}/graphql-ws.min.js"></script>
<script src="{base}/hub-graphiql.js"></script>
</body>
</html>
"""
    return HTMLResponse(body, headers={**SECURITY, "cache-control": "no-cache"})


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    path = ASSETS.get(name)
    if request.path_params["version"] != version() or path is None or not path.is_file():
        return PlainTextResponse("not found", status_code=404, headers=SECURITY)
    media = "text/css" if name.endswith(".css") else "text/javascript"
    return FileResponse(path, media_type=media,
                        headers={**SECURITY, "cache-control": "public, max-age=31536000, immutable"})


ROUTES = [Route(f"{PREFIX}/{{version}}/{{name}}", asset, methods=["GET"])]

"""The hub's side of OAuth2 client credentials: an access token per agency API, fetched and reused.

The token is asked for at the agency's ``/oauth/token`` with the hub's client id and secret (HTTP Basic)
and kept until shortly before it expires; a call refused for its token forgets it, so the next attempt
asks again. The secret comes from ``HUB_<AGENCY>_CLIENT_SECRET`` or a secret file (a mounted Secret in
Kubernetes; by default the file the agency's service generates in a shared data folder).
"""

from __future__ import annotations

import asyncio
import time

import httpx

from hub.core.settings import Settings

#: renewed this long before it expires, so a token never lapses in flight
MARGIN_SECONDS = 30.0


class CredentialsRefused(Exception):
    """The agency's token endpoint did not issue a token (a kind, never its answer's text)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class ClientCredentials:
    def __init__(self, settings: Settings, agency: str) -> None:
        self.agency = agency
        self._settings = settings
        self._client_id = settings.agency_service(agency).client_id
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    def _secret(self) -> str:
        service = self._settings.agency_service(self.agency)
        if service.client_secret is not None:
            return service.client_secret.get_secret_value().strip()  # as the agency's service reads it
        try:
            return self._settings.client_secret_file(self.agency).read_text().strip()
        except OSError:
            raise CredentialsRefused("no_client_secret") from None

    async def token(self, http: httpx.AsyncClient) -> str:
        if self._token is not None and time.monotonic() < self._expires:
            return self._token
        async with self._lock:  # one fetch for the calls that all found it missing
            if self._token is not None and time.monotonic() < self._expires:
                return self._token
            response = await http.post("/oauth/token", data={"grant_type": "client_credentials"},
                                       auth=(self._client_id, self._secret()))
            if response.status_code != 200:
                raise CredentialsRefused("token_refused" if response.status_code in (400, 401) else
                                         f"token_http_{response.status_code}")
            try:
                body = response.json()
                token, ttl = str(body["access_token"]), float(body.get("expires_in", 60))
            except (ValueError, KeyError, TypeError):
                raise CredentialsRefused("token_malformed") from None
            self._token, self._expires = token, time.monotonic() + max(ttl - MARGIN_SECONDS, 1.0)
            return token

    def forget(self) -> None:
        self._token = None

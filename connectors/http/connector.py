"""The HTTP connector: an agency's connector interface over its own API (``hub agency serve``).

One class per agency, made from its abstract connector class (``HttpPoliceConnector`` implements
``PoliceConnector``): each method posts its arguments to the method's endpoint and validates the answer
against its return type. Every call, the token fetch and retries included, runs within the agency's
budget (``HUB_<AGENCY>_TIMEOUT_MS``); reads are retried at most twice with jittered backoff (tenacity)
when the agency is unreachable, answers 5xx or 429, or refused an expired token; a circuit breaker per
agency answers at once while the agency keeps failing. Whatever goes wrong becomes
:class:`SourceUnavailable` with a one-word kind and nothing of the agency's answer, so the graph gives
CONNECTOR_UNAVAILABLE at that agency's paths exactly as for a database that does not answer.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar, cast

import httpx
from pydantic import TypeAdapter, ValidationError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from connectors.http.circuit import CircuitBreaker
from connectors.http.feed import HttpChangeFeed
from connectors.http.interface import Endpoint, endpoints, interface_of
from connectors.http.tokens import ClientCredentials, CredentialsRefused
from hub.core.agency import Agency, Connector, SourceUnavailable
from hub.core.settings import Settings

#: attempts per call: the first and at most two retries
ATTEMPTS = 3
#: connections kept open to each agency (keep-alive), beyond which calls queue within their budget
POOL = 20


class Transient(Exception):
    """A failed attempt worth another: the kind of failure, for the error if none succeeds."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class HttpConnector:
    """What every agency's HTTP connector shares: the pooled client, credentials, budget and breaker.

    Listed first among an HTTP connector's bases, so its ``health`` and ``close`` implement the interface's.
    """

    agency: ClassVar[str]
    descriptor: ClassVar[Agency]

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        service = settings.agency_service(self.agency)
        self.budget = service.timeout_ms / 1000
        self.http = httpx.AsyncClient(
            base_url=service.api, timeout=self.budget, transport=transport,
            limits=httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL),
            headers={"accept": "application/json"})
        self.credentials = ClientCredentials(settings, self.agency)
        self.breaker = CircuitBreaker()
        self.endpoints = endpoints(self.descriptor)
        self._parse = {o.source_field: o.parse for o in self.descriptor.orders}
        #: HTTP requests sent to the agency (token fetches included), for tests and the bench
        self.requests = 0

    @property
    def circuit(self) -> str:
        return self.breaker.state

    async def health(self) -> None:
        await self.call("/v1/health", b"{}", None)

    def change_feed(self) -> HttpChangeFeed:
        """The agency's change feed (its outbox), read through this connector's client, token, budget,
        retries and circuit (connectors/http/feed.py)."""
        return HttpChangeFeed(self)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, path: str, body: bytes, answer: TypeAdapter[Any] | None) -> Any:
        """POST ``body`` to ``path`` and validate the answer against ``answer`` (None: the status alone)."""
        if not self.breaker.allow():
            raise SourceUnavailable(self.agency, "circuit_open")
        failure: SourceUnavailable | None = None
        try:
            async with asyncio.timeout(self.budget):
                result = await self._attempts(path, body, answer)
        except TimeoutError:
            failure = SourceUnavailable(self.agency, "timeout")
        except SourceUnavailable as exc:
            failure = exc
        except ValueError:  # the agency answered: it cannot count, order or break down by that field
            self.breaker.succeeded()
            raise
        except BaseException:  # cancelled with its request: no verdict on the agency
            self.breaker.abandoned()
            raise
        if failure is not None:  # raised here, outside the handler: nothing chained to it
            self.breaker.failed()
            raise failure
        self.breaker.succeeded()
        return result

    async def _attempts(self, path: str, body: bytes, answer: TypeAdapter[Any] | None) -> Any:
        retrying = AsyncRetrying(stop=stop_after_attempt(ATTEMPTS),
                                 wait=wait_random_exponential(multiplier=0.05, max=0.5),
                                 retry=retry_if_exception_type(Transient), reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(path, body, answer)
        except Transient as exc:
            kind = exc.kind
        else:  # pragma: no cover
            raise AssertionError("tenacity gave up without an outcome")
        # Raised outside the handler, so no exception of the attempt (which may quote the answer) is chained.
        raise SourceUnavailable(self.agency, kind)

    async def _once(self, path: str, body: bytes, answer: TypeAdapter[Any] | None) -> Any:
        # Each failure is raised outside the handler that saw it: an exception chained to ours could carry
        # the agency's answer (pydantic quotes its input) into a log or a trace.
        failure: Exception | None = None
        try:
            token = await self.credentials.token(self.http)
            self.requests += 1
            response = await self.http.post(path, content=body, headers={"authorization": f"Bearer {token}",
                                                                         "content-type": "application/json"})
        except CredentialsRefused as exc:
            failure = Transient(exc.kind) if exc.kind.startswith("token_http_5") else \
                SourceUnavailable(self.agency, exc.kind)
        except httpx.TimeoutException:
            failure = Transient("timeout")
        except httpx.TransportError:  # refused, reset, or not HTTP at all
            failure = Transient("unreachable")
        if failure is not None:
            raise failure
        status = response.status_code
        if status == 401:  # expired or revoked: ask for a new one and try again
            self.credentials.forget()
            raise Transient("token_refused")
        if status >= 500 or status == 429:
            raise Transient(f"http_{status}")
        if status == 400 and _code(response) == "unsupported":
            raise ValueError(f"{self.agency} cannot answer {path} for that field")
        if status != 200:
            raise SourceUnavailable(self.agency, f"http_{status}")
        if answer is None:
            return None
        kind = None
        try:
            return answer.validate_json(response.content)
        except ValidationError as exc:
            kind = "malformed" if any(e["type"] == "json_invalid" for e in exc.errors()) else "wrong_schema"
        raise SourceUnavailable(self.agency, kind)

    def _ordered(self, field: str, values: dict[str, Any]) -> dict[str, Any]:
        """Order values come back as JSON text: parsed as the agency's ``Order`` says (dates, times)."""
        parse = self._parse.get(field)
        return values if parse is None else {key: parse(value) for key, value in values.items()}


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def _method(endpoint: Endpoint, signature: inspect.Signature) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def call(self: HttpConnector, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs)
        arguments.apply_defaults()
        values = dict(list(arguments.arguments.items())[1:])
        if endpoint.keyed:
            (name,) = values
            keys = sorted(set(values[name]))
            if not keys:  # as a database is not asked about no one
                return {}
            values[name] = keys
        body = endpoint.body.model_validate(values).model_dump_json().encode()
        result = await self.call(endpoint.path, body, endpoint.answer)
        if endpoint.method == "order_values":
            return self._ordered(values["field"], result)
        return result

    call.__name__ = endpoint.method
    call.__doc__ = endpoint.doc
    return call


_CLASSES: dict[str, type[HttpConnector]] = {}


def http_connector_class(agency: Agency) -> type[HttpConnector]:
    """The agency's HTTP connector class: ``HttpConnector`` and its abstract connector class, each method of
    the interface an endpoint call."""
    if agency.name not in _CLASSES:
        interface = interface_of(agency)
        methods: dict[str, Any] = {"descriptor": agency, "__module__": __name__}
        for name, endpoint in endpoints(agency).items():
            methods[name] = _method(endpoint, inspect.signature(getattr(interface, name)))
        cls = type(f"Http{interface.__name__}", (HttpConnector, interface), methods)
        if inspect.isabstract(cls):
            raise TypeError(f"{cls.__name__} leaves {sorted(cls.__abstractmethods__)} unimplemented")  # type: ignore[attr-defined]
        _CLASSES[agency.name] = cls
    return _CLASSES[agency.name]


def connect_http(agency: Agency, settings: Settings,
                 transport: httpx.AsyncBaseTransport | None = None) -> Connector[Any]:
    """A connector to the agency's API at ``HUB_<AGENCY>_API``."""
    return cast(Connector[Any], http_connector_class(agency)(settings, transport))

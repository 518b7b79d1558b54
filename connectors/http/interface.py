"""An agency's connector interface as a list of HTTP endpoints, read off its abstract connector class.

Every public coroutine of the agency's connector interface (``PoliceConnector``: its own loads, and
``Connector``'s search, caseload, counts...) but ``health`` and ``close`` is one ``POST /v1/<method>``
whose JSON body holds the method's arguments by name and whose answer is its return value. Bodies and
answers are (de)serialised by pydantic from the methods' type hints, so the records' dataclasses need
nothing written for them, the same types describe the OpenAPI document, and an answer of the wrong
shape fails validation instead of reaching the graph.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model

from hub.core.agency import Agency, Connector

#: methods of the interface that are not calls on the agency's records, or not sent over HTTP:
#: ``with_list`` (a record and one list in one round trip) answers None over an API, and the hub asks for
#: each in turn, as the interface allows
LOCAL = frozenset({"health", "close", "with_list"})
PREFIX = "/v1/"


@dataclass(frozen=True)
class Endpoint:
    """One method of the connector interface as an HTTP endpoint."""

    method: str
    #: the body: the method's arguments by name (extra keys refused)
    body: type[BaseModel]
    #: the answer: the method's return value
    answer: TypeAdapter[Any]
    answer_type: Any
    #: a load by key (records or a list field): its first argument is the keys
    keyed: bool
    doc: str

    @property
    def path(self) -> str:
        return PREFIX + self.method.replace("_", "-")


def interface_of(agency: Agency) -> type[Connector[Any]]:
    """The agency's abstract connector class (``PoliceConnector``): the class of its SQL connector's
    lineage that declares the agency (an API connector implements the same one)."""
    connect = agency.connect
    if not isinstance(connect, type):
        raise TypeError(f"{agency.name}: connect is not a connector class")
    for cls in connect.__mro__:
        if issubclass(cls, Connector) and cls is not Connector and "agency" in cls.__dict__ \
                and inspect.isabstract(cls):
            return cls
    raise TypeError(f"{agency.name}: no abstract connector class declares the agency")


def criteria_of(interface: type[Connector[Any]]) -> Any:
    """The criteria type the interface is generic in (``Connector[PoliceCriteria]``)."""
    for base in getattr(interface, "__orig_bases__", ()):
        if get_origin(base) is Connector:
            (criteria,) = get_args(base)
            return type(None) if criteria is None else criteria
    raise TypeError(f"{interface.__name__} does not say its criteria type")


def _wire(hint: Any, criteria: Any) -> Any:
    """The type a hint is sent as: keys given as any iterable go as a list; the criteria TypeVar is
    the agency's criteria class."""
    if isinstance(hint, TypeVar):
        return criteria
    origin = get_origin(hint)
    if origin in (Iterable, Collection):
        return list[get_args(hint)]  # type: ignore[misc]
    args = get_args(hint)
    if args and origin is not None and type(None) in args:  # X | None: each side
        wired = [_wire(a, criteria) for a in args]
        out = wired[0]
        for w in wired[1:]:
            out = out | w
        return out
    return hint


_ENDPOINTS: dict[str, dict[str, Endpoint]] = {}


def endpoints(agency: Agency) -> dict[str, Endpoint]:
    """The agency's endpoints by method name, in a stable order (worked out once per agency)."""
    if agency.name not in _ENDPOINTS:
        _ENDPOINTS[agency.name] = _read(agency)
    return _ENDPOINTS[agency.name]


def _read(agency: Agency) -> dict[str, Endpoint]:
    interface = interface_of(agency)
    criteria = criteria_of(interface)
    keyed = {agency.records.__name__, *(f.__name__ for f in agency.lists.values())}
    found: dict[str, Endpoint] = {}
    for name in sorted(dir(interface)):
        member = getattr(interface, name)
        if name.startswith("_") or name in LOCAL or not inspect.iscoroutinefunction(member):
            continue
        hints = get_type_hints(member)
        params = [p for p in inspect.signature(member).parameters.values() if p.name != "self"]
        fields: dict[str, Any] = {}
        for p in params:
            wire = _wire(hints[p.name], criteria)
            fields[p.name] = (wire, ... if p.default is inspect.Parameter.empty else p.default)
        body = create_model(f"{agency.name.title()}{_camel(name)}Request",
                            __config__=ConfigDict(extra="forbid", frozen=True), **fields)
        answer_type = hints["return"]
        found[name] = Endpoint(name, body, TypeAdapter(answer_type), answer_type, name in keyed,
                               inspect.getdoc(member) or name)
    return found


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))

"""Change capture declared by an agency: its outbox, the triggers that fill it, and its event kinds.

An agency's package says which of its own rows changing is which event (connectors/<agency>/events.py);
the hub's event machinery (hub/events/) installs the triggers, reads the outbox and governs delivery.
A trigger writes the agency's key and a few values of the changed row (old and new) into the outbox
in the same transaction as the change, so an event exists exactly when the change committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text


def outbox_name(agency: str) -> str:
    """Named for the agency, so a demo database holding every agency's tables holds one outbox each."""
    return f"hub_outbox_{agency}"


def outbox_tables(metadata: MetaData, agency: str) -> tuple[Table, Table]:
    """The outbox and its consumers' durable cursors, in the agency's own database (created by the hub's
    capture, hub/events/triggers.py, not by the agency's schema)."""
    outbox = Table(
        outbox_name(agency), metadata,
        # ids only grow (AUTOINCREMENT on SQLite; on PostgreSQL the triggers serialise writers, so ids
        # commit in order and a reader never passes an id a later commit fills in)
        Column("event_id", Integer, primary_key=True, autoincrement=True),
        Column("event_type", String(40), nullable=False),
        Column("agency_key", String(32), nullable=False, index=True),
        # ISO 8601 UTC text, written by the database's own clock
        Column("occurred_at", String(40), nullable=False),
        # the changed row's values the event carries, a JSON object
        Column("data", Text, nullable=False),
        sqlite_autoincrement=True,
    )
    cursors = Table(
        f"hub_outbox_cursor_{agency}", metadata,
        Column("consumer", String(120), primary_key=True),
        Column("position", Integer, nullable=False),
    )
    return outbox, cursors


@dataclass(frozen=True)
class Trigger:
    """One kind of row change that is an event: ``event_type`` when ``operation`` on ``table`` changes one
    of ``changed`` (UPDATE) and ``when`` holds. ``key`` and ``data`` are SQL over ``OLD``/``NEW`` written
    the same for SQLite and PostgreSQL."""

    name: str
    table: str
    operation: str  # INSERT | UPDATE | DELETE
    event_type: str
    key: str
    data: tuple[tuple[str, str], ...]
    changed: tuple[str, ...] = ()
    when: str | None = None


@dataclass(frozen=True)
class Load:
    """A value read from an agency's record at delivery (the person's current licence conditions...)."""

    agency: str
    #: a list of the agency's record (``Agency.lists``), or None: an attribute of the record itself
    list_name: str | None = None
    attribute: str | None = None


@dataclass(frozen=True)
class EventField:
    """A field of a delivered event, judged as the catalogue field ``field_key`` about the event's person."""

    name: str
    field_key: str
    #: the outbox row's data key holding it, or ``load`` for a value read at delivery
    data: str | None = None
    load: Load | None = None
    #: an event is delivered only if at least one primary field is released: the rest ride along, so an
    #: enrichment released more widely (housing's own accommodation status) tells no one of the event
    primary: bool = False
    #: for a primary field, its value before and after the change (from the outbox row's data), shaped as the
    #: field holds it: the field counts as showing the event only if the two differ as released to the
    #: subscriber (through its mask), so a change to what they may not see (the release type alone, a
    #: curfew for victim services) does not tell them it happened. None: the field showing is the news (an
    #: arrest recorded, a release)
    change: Callable[[Mapping[str, Any]], tuple[Any, Any]] | None = None


def before_after(before: str, after: str) -> Callable[[Mapping[str, Any]], tuple[Any, Any]]:
    """A ``change`` read from two keys of the row's data (the trigger's ``OLD`` and ``NEW`` values)."""

    def change(data: Mapping[str, Any]) -> tuple[Any, Any]:
        return data.get(before), data.get(after)

    return change


@dataclass(frozen=True)
class EventKind:
    name: str
    #: the subscription it is delivered on (``releases``, ``arrests``, ``accommodation``, ``referrals``)
    topic: str
    fields: tuple[EventField, ...]
    description: str = ""
    #: values worked out from the row's (the notice given from the decision and release dates)
    derive: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Capture:
    """An agency's change capture: the triggers that fill its outbox and the events they write."""

    triggers: tuple[Trigger, ...]
    kinds: tuple[EventKind, ...] = field(default_factory=tuple)

    def kind(self, name: str) -> EventKind:
        return next(k for k in self.kinds if k.name == name)

"""The Subscription type: release and arrest events pushed to the partners who may know them.

Each event is judged for the subscriber when it is delivered, by the agreements a query is judged by
(hub/events/delivery.py): a field withheld from them is null, and an event none of whose own fields they
may see is not sent at all. Subscriptions run over the graphql-transport-ws protocol only, authenticated
at ``connection_init`` (hub/web/subscriptions.py), which puts the subscriber's feed in the context.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from graphql import DocumentNode, GraphQLError, ast_from_value, print_ast, type_from_ast, value_from_ast_untyped

from connectors.housing.records import AccommodationStatus
from connectors.police.records import ArrestOutcome
from connectors.probation.graphql import LicenceCondition
from connectors.probation.records import Pathway, ReleaseType
from hub.core.errors import HubError, Unauthenticated
from hub.core.offences import OffenceType
from hub.events.delivery import Delivery
from hub.events.feed import Feed
from schema.governance.context import Info
from schema.governance.person_level import refuse_person_level
from schema.governance.selection import field_names


@strawberry.enum(description="Events about a person's release from custody and licence")
class ReleaseEventType(Enum):
    RELEASE_SCHEDULED = strawberry.enum_value(
        "ReleaseScheduled", description="A release date or type set or changed (old and new date, the notice)")
    RELEASED = strawberry.enum_value("Released", description="Released from custody on licence")
    RECALLED = strawberry.enum_value("Recalled", description="Recalled to custody")
    LICENCE_CONDITIONS_CHANGED = strawberry.enum_value(
        "LicenceConditionsChanged", description="A licence condition added, changed or ended")


@strawberry.input(description="Which release events to receive")
class ReleaseEventFilter:
    types: list[ReleaseEventType] | None = strawberry.field(default=None, description="Only these kinds")
    person_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Only about these people")
    since: datetime | None = strawberry.field(
        default=None, description="First replay the events captured since then (a reconnecting client's resume)")


def _at(text: Any) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00").replace(" ", "T"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _enum(kind: type[Enum], value: Any) -> Any:
    return value if value is None or isinstance(value, kind) else kind(value)


@strawberry.type(description="A release event, as the agreements release it to you: a field withheld is null")
class ReleaseEvent:
    event_id: strawberry.ID = strawberry.field(description="Unique and stable: drop a repeat you have seen")
    type: ReleaseEventType = strawberry.field(description="What happened")
    occurred_at: datetime = strawberry.field(description="When the agency's system recorded the change")
    person_id: strawberry.ID = strawberry.field(description="The hub person the event is about")
    release_date: date | None = strawberry.field(description="The release date now set")
    previous_release_date: date | None = strawberry.field(description="The release date it replaced, if any")
    release_type: ReleaseType | None = strawberry.field(description="How the person is (or was) released")
    release_notice_days: int | None = strawberry.field(description="Days between the decision and the release")
    release_establishment: str | None = strawberry.field(description="The prison released from")
    licence_conditions: list[LicenceCondition] | None = strawberry.field(
        description="The licence conditions now (victim services: the exclusion zones only)")
    accommodation_status: AccommodationStatus | None = strawberry.field(
        description="Housing's accommodation status of the person now: the accommodation need")
    recalled_on: date | None = strawberry.field(description="The day of a recall to custody")

    @classmethod
    def of(cls, d: Delivery) -> ReleaseEvent:
        v, row = d.values, d.event.row
        conditions = v.get("licenceConditions")
        return cls(
            event_id=strawberry.ID(row.event_id), type=ReleaseEventType(row.event_type),
            occurred_at=_at(row.occurred_at) or datetime.now(UTC), person_id=strawberry.ID(d.event.person_id or ""),
            release_date=_day(v.get("releaseDate")), previous_release_date=_day(v.get("previousReleaseDate")),
            release_type=_enum(ReleaseType, v.get("releaseType")), release_notice_days=v.get("releaseNoticeDays"),
            release_establishment=v.get("releaseEstablishment"),
            licence_conditions=None if conditions is None else [LicenceCondition(
                kind=c.kind, description=c.description, starts_on=c.starts_on, ends_on=c.ends_on) for c in conditions],
            accommodation_status=_enum(AccommodationStatus, v.get("accommodationStatus")),
            recalled_on=_day(v.get("recalledOn")))


@strawberry.type(description="An arrest recorded, or its custody outcome recorded or changed, as released to you")
class ArrestEvent:
    event_id: strawberry.ID = strawberry.field(description="Unique and stable: drop a repeat you have seen")
    occurred_at: datetime = strawberry.field(description="When the police system recorded the change")
    person_id: strawberry.ID = strawberry.field(description="The hub person arrested")
    arrested_at: datetime | None = strawberry.field(description="When the person was arrested")
    offence: str | None = strawberry.field(description="The offence the arrest was for")
    offence_group: OffenceType | None = strawberry.field(description="The offence's group")
    custody_suite: str | None = strawberry.field(description="The custody suite the person was taken to")
    outcome: ArrestOutcome | None = strawberry.field(description="The custody outcome, when known")

    @classmethod
    def of(cls, d: Delivery) -> ArrestEvent:
        v, row = d.values, d.event.row
        return cls(event_id=strawberry.ID(row.event_id), occurred_at=_at(row.occurred_at) or datetime.now(UTC),
                   person_id=strawberry.ID(d.event.person_id or ""), arrested_at=_at(v.get("arrestedAt")),
                   offence=v.get("offence"), offence_group=_enum(OffenceType, v.get("offenceGroup")),
                   custody_suite=v.get("custodySuite"), outcome=_enum(ArrestOutcome, v.get("outcome")))


@strawberry.type(description="A change of a person's accommodation status, as housing releases it to you")
class AccommodationEvent:
    event_id: strawberry.ID = strawberry.field(description="Unique and stable: drop a repeat you have seen")
    occurred_at: datetime = strawberry.field(description="When the housing system recorded the change")
    person_id: strawberry.ID = strawberry.field(description="The hub person it is about")
    accommodation_status: AccommodationStatus | None = strawberry.field(description="The status now")
    previous_accommodation_status: AccommodationStatus | None = strawberry.field(description="The status before")
    status_since: date | None = strawberry.field(description="The day the status began")

    @classmethod
    def of(cls, d: Delivery) -> AccommodationEvent:
        v, row = d.values, d.event.row
        return cls(event_id=strawberry.ID(row.event_id), occurred_at=_at(row.occurred_at) or datetime.now(UTC),
                   person_id=strawberry.ID(d.event.person_id or ""),
                   accommodation_status=_enum(AccommodationStatus, v.get("accommodationStatus")),
                   previous_accommodation_status=_enum(AccommodationStatus, v.get("previousAccommodationStatus")),
                   status_since=_day(v.get("statusSince")))


@strawberry.enum(description="A referral made or changed")
class ReferralEventType(Enum):
    REFERRAL_CREATED = strawberry.enum_value("ReferralCreated", description="A probation referral made")
    REFERRAL_UPDATED = strawberry.enum_value("ReferralUpdated",
                                             description="A probation referral opened, closed or moved")


@strawberry.type(description="A probation referral made or changed, as the agreements release it to you")
class ReferralEvent:
    event_id: strawberry.ID = strawberry.field(description="Unique and stable: drop a repeat you have seen")
    type: ReferralEventType = strawberry.field(description="What happened")
    occurred_at: datetime = strawberry.field(description="When the probation system recorded the change")
    person_id: strawberry.ID = strawberry.field(description="The hub person it is about")
    pathway: Pathway | None = strawberry.field(description="The pathway referred on")
    open: bool | None = strawberry.field(description="Whether the referral is open")

    @classmethod
    def of(cls, d: Delivery) -> ReferralEvent:
        v, row = d.values, d.event.row
        is_open = v.get("open")
        return cls(event_id=strawberry.ID(row.event_id), type=ReferralEventType(row.event_type),
                   occurred_at=_at(row.occurred_at) or datetime.now(UTC),
                   person_id=strawberry.ID(d.event.person_id or ""), pathway=_enum(Pathway, v.get("pathway")),
                   open=None if is_open is None else bool(is_open))


def _feed(info: Info, query: str) -> Feed:
    feed = getattr(info.context, "feed", None)
    try:
        if not isinstance(feed, Feed):
            raise Unauthenticated("subscriptions need an authenticated connection (connection_init)")
        refuse_person_level(info.context.gate, query)
        feed.check()
    except HubError as exc:
        raise _error(exc) from None
    return feed


def _error(exc: HubError) -> GraphQLError:
    return GraphQLError(exc.message, extensions=exc.as_extensions())


def _sent(raw: Any) -> dict[str, Any]:
    """The variables as the client sent them, as a query's are digested: a subscription's resolver is handed
    them coerced (enum members, datetimes), so they are written back as the JSON the schema takes."""
    coerced: Any = raw.variable_values
    coerced = getattr(coerced, "coerced", coerced) or {}
    out: dict[str, Any] = {}
    for definition in raw.operation.variable_definitions or ():
        name = definition.variable.name.value
        kind = type_from_ast(raw.schema, definition.type)
        if name in coerced and kind is not None:
            literal = ast_from_value(coerced[name], kind)
            out[name] = None if literal is None else value_from_ast_untyped(literal)
    return out


async def _stream(info: Info, feed: Feed, topic: str, since: datetime | None, accept: Any
                  ) -> AsyncGenerator[Delivery, None]:
    """The feed's deliveries of the fields this subscription selects, audited under its document's digest (the
    operation and its fragments, re-printed) and its variables'."""
    raw = info._raw_info
    selected = frozenset(field_names(raw.field_nodes, raw.fragments, raw.variable_values))
    document = print_ast(DocumentNode(definitions=(raw.operation, *raw.fragments.values())))
    operation = feed.operation(raw.operation.name.value if raw.operation.name else None, document, _sent(raw))
    try:
        async for delivered in feed.deliveries(topic, since=since, accept=accept, selected=selected,
                                               operation=operation):
            yield delivered
    except HubError as exc:  # the token expired, the audit trail cannot be written: the subscription ends
        raise _error(exc) from None


@strawberry.type(description="Events pushed to partners over graphql-transport-ws, governed and audited per "
                             "delivery")
class Subscription:
    @strawberry.subscription(description="Release events (scheduled or moved, released, recalled, licence changed)")
    async def releases(self, info: Info, filter: Annotated[ReleaseEventFilter | None, strawberry.argument(
            description="Which release events (all, when omitted)")] = None) -> AsyncGenerator[ReleaseEvent, None]:
        feed = _feed(info, "releases")
        types = {t.value for t in filter.types} if filter and filter.types else None
        people = {str(p) for p in filter.person_ids} if filter and filter.person_ids else None

        def accept(event: Any) -> bool:
            return (types is None or event.kind.name in types) and (people is None or event.person_id in people)

        async for delivered in _stream(info, feed, "releases", filter.since if filter else None, accept):
            yield ReleaseEvent.of(delivered)

    @strawberry.subscription(description="Arrests and custody outcomes, e.g. overnight arrests of a caseload")
    async def arrests(self, info: Info, since: Annotated[datetime | None, strawberry.argument(
            description="First replay the arrests captured since then (overnight arrests: since last evening)")] = None
                      ) -> AsyncGenerator[ArrestEvent, None]:
        feed = _feed(info, "arrests")
        async for delivered in _stream(info, feed, "arrests", since, lambda _e: True):
            yield ArrestEvent.of(delivered)

    @strawberry.subscription(description="Accommodation status changes (housing)")
    async def accommodation(self, info: Info, since: Annotated[datetime | None, strawberry.argument(
            description="First replay the changes captured since then")] = None
                            ) -> AsyncGenerator[AccommodationEvent, None]:
        feed = _feed(info, "accommodation")
        async for delivered in _stream(info, feed, "accommodation", since, lambda _e: True):
            yield AccommodationEvent.of(delivered)

    @strawberry.subscription(description="Probation referrals made or changed")
    async def referrals(self, info: Info, since: Annotated[datetime | None, strawberry.argument(
            description="First replay the referrals captured since then")] = None
                        ) -> AsyncGenerator[ReferralEvent, None]:
        feed = _feed(info, "referrals")
        async for delivered in _stream(info, feed, "referrals", since, lambda _e: True):
            yield ReferralEvent.of(delivered)


__all__ = ["AccommodationEvent", "ArrestEvent", "ReferralEvent", "ReleaseEvent", "Subscription"]

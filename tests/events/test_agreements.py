"""The agreements on every event type: who is told of each kind of change about one person, at delivery time,
and that each delivery's audit record names only the fields it released."""

from __future__ import annotations

from typing import Any

from audit.record import AuditEvent, Operation
from hub.core.settings import Settings
from hub.events.delivery import Loads, Subscriber, deliver
from hub.events.stream import DurableConsumer, EventStream, sources_of
from hub.services.caseload import CallerConditions
from hub.web.runtime import Hub
from policies.store import PolicyStore
from tests.events.conftest import sql

#: K036340: on om-001's caseload, in iom-officer-001's IOM cohort, housing-officer-001's and keyworker-001's
#: client, no victim case
PERSON, CRN, PNC, HOUSING = "H00000001", "K036340", "2010/0230450Q", "HR38716478"

SUBSCRIBERS = {
    "om-001": ("probation", "probation-practitioner", "daily-intel"),
    "iom-officer-001": ("police", "police-iom-officer", "iom"),
    "iom-officer-009": ("police", "police-iom-officer", "iom"),
    "housing-officer-001": ("housing", "housing-officer", "housing-referral"),
    "victim-liaison-001": ("probation", "victim-liaison", "victim-contact"),
    "keyworker-001": ("treatment", "treatment-keyworker", "continuity-of-care"),
}

#: event kind -> the subscribers told of it (everyone else: nothing), from the agreement files
TOLD = {
    # arrests: police IOM officers (POL-ISA 5.1), offender managers for their caseload (5.2)
    "Arrested": {"om-001", "iom-officer-001", "iom-officer-009"},
    # the sentence (recall): probation, police for their cohort (PROB-ISA 7.1, 7.2)
    "Recalled": {"om-001", "iom-officer-001"},
    # the licence: probation, police for their cohort; victim services only for their victims' cases (4.5)
    "LicenceConditionsChanged": {"om-001", "iom-officer-001"},
    # accommodation: housing; probation, police and treatment for their caseloads (HOUS-ISA 5.1-5.4)
    "AccommodationStatusChanged": {"om-001", "iom-officer-001", "housing-officer-001", "keyworker-001"},
    # referrals: probation, police and housing for their caseloads (PROB-ISA 8.1-8.3)
    "ReferralCreated": {"om-001", "iom-officer-001", "housing-officer-001"},
    # a release: probation, police for the cohort, housing and treatment where related (6.1-6.4)
    "Released": {"om-001", "iom-officer-001", "housing-officer-001", "keyworker-001"},
}


class Recorded:
    def __init__(self) -> None:
        self.records: list[AuditEvent] = []

    async def append(self, event: AuditEvent) -> int:
        self.records.append(event)
        return len(self.records)


def change_everything(settings: Settings) -> None:
    sql(settings, "police", "INSERT INTO arrest (arrest_id, pnc_id, arrested_at, offence_code, offence, custody_suite, "
        "outcome) VALUES (900001, :p, '2026-12-02 01:10:00', 'TH68010', 'Burglary (dwelling)', 'Brixton', 'bailed')",
        p=PNC)
    sql(settings, "probation", "UPDATE sentence SET recalled_on = '2026-11-30' WHERE crn = :c AND sentence_id = "
        "(SELECT max(sentence_id) FROM sentence WHERE crn = :c)", c=CRN)
    sql(settings, "probation", "INSERT INTO licence_condition (crn, kind, description, starts_on) "
        "VALUES (:c, 'curfew', 'Curfew 19:00 to 07:00', '2026-12-01')", c=CRN)
    sql(settings, "housing", "UPDATE housing_client SET accommodation_status = 'transient' WHERE housing_ref = :h",
        h=HOUSING)
    sql(settings, "probation", "INSERT INTO referral (crn, pathway, referred_on, open) "
        "VALUES (:c, 'accommodation', '2026-12-01', true)", c=CRN)
    sql(settings, "probation", "UPDATE offender SET custody_status = 'custody' WHERE crn = :c", c=CRN)
    sql(settings, "probation", "UPDATE offender SET custody_status = 'licence' WHERE crn = :c", c=CRN)


async def test_each_event_type_reaches_exactly_those_the_agreements_allow(own_settings: Settings) -> None:
    hub = Hub.open(own_settings)
    stream = EventStream(sources_of(hub.agencies), hub.index)
    policy = PolicyStore.open(own_settings).current()
    try:
        await stream.install()
        consumer = DurableConsumer(stream, "agreements")
        assert await consumer.next_batch() == []
        change_everything(own_settings)
        events = await consumer.next_batch()
        assert {e.kind.name for e in events} == set(TOLD)
        loads, audit = Loads(hub.agencies, hub.index), Recorded()
        told: dict[str, set[str]] = {kind: set() for kind in TOLD}
        for event in events:
            assert event.person_id == PERSON
            for user, (agency, role, purpose) in SUBSCRIBERS.items():
                who = Subscriber(user, "user", agency, (role,), purpose, None, policy.version,
                                 policy.plan((role,), purpose),
                                 CallerConditions(hub.index, hub.agencies, agency, user),
                                 Operation(None, "subscription"), "c")
                before = len(audit.records)
                delivered = await deliver(event, who, loads, audit)
                if delivered is None:
                    assert len(audit.records) == before  # nothing sent, nothing recorded
                    continue
                told[event.kind.name].add(user)
                record = audit.records[-1]
                assert record.actor_id == user and record.subjects == (PERSON,)
                assert record.operation_name == event.kind.name
                released = {f.field_key for f in event.kind.fields if f.name in delivered.values}
                named: set[Any] = {k for keys in record.disclosed.values() for k in keys} - {"Person.id"}
                assert named == released  # the record names what left, no more, no less
        assert told == TOLD
    finally:
        await hub.close()

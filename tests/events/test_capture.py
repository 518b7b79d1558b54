"""Change capture in the agencies' own databases: each kind of change is its event, in commit order, on the
embedded SQLite default and on PostgreSQL (whose triggers also notify consumers)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.registry import named
from hub.core.db import create_engine
from hub.events import outbox
from hub.events.outbox import OutboxRow
from hub.events.stream import EventStream, Source
from hub.events.triggers import install
from hub.services.index.store import PersonIndex
from tests.conftest import admin_sql, postgres_base_url

AGENCIES = ("probation", "police", "housing")


@dataclass
class Agencies:
    engines: dict[str, AsyncEngine]
    index_url: str


@pytest.fixture(params=["sqlite", "postgresql"])
async def agencies(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Agencies]:
    """Empty agency databases with their tables and capture installed."""
    created: list[str] = []
    if request.param == "sqlite":
        urls = {a: f"sqlite+aiosqlite:///{tmp_path}/{a}.db" for a in (*AGENCIES, "index")}
    else:
        base = postgres_base_url()
        if base is None:
            pytest.skip("HUB_TEST_POSTGRES_URL not set (CI sets it)")
        urls = {}
        for a in (*AGENCIES, "index"):
            name = f"hubtest_ev{a}_{uuid.uuid4().hex[:10]}"
            await admin_sql(base, f'CREATE DATABASE "{name}"')
            created.append(name)
            urls[a] = make_url(base).set(database=name).render_as_string(hide_password=False)
    engines = {a: create_engine(urls[a]) for a in AGENCIES}
    for name, engine in engines.items():
        agency = named(name).agency
        async with engine.begin() as conn:
            await conn.run_sync(agency.tables.create_all)
        assert agency.capture is not None
        await install(engine, name, agency.capture)
        await install(engine, name, agency.capture)  # installing again changes nothing
    yield Agencies(engines, urls["index"])
    for engine in engines.values():
        await engine.dispose()
    for name in created:
        await admin_sql(str(postgres_base_url()), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run(engine: AsyncEngine, *statements: str) -> None:
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def events(engine: AsyncEngine, agency: str) -> list[OutboxRow]:
    return await outbox.read_after(engine, agency, 0)


PROBATION_SETUP = (
    "INSERT INTO offender_manager VALUES ('om-1', 'A Manager', 'Team 1', 'Hackney', 'om@example.org', '0')",
    "INSERT INTO offender (crn, surname, forenames, date_of_birth, tier, ogrs_score, rosh_level, "
    "domestic_abuse_perpetrator, custody_status, offender_manager_code) VALUES "
    "('X000001', 'Doe', 'Jo', '1990-01-01', 'B2', 60, 'medium', false, 'custody', 'om-1')",
)


async def test_each_probation_change_is_its_event(agencies: Agencies) -> None:
    db = agencies.engines["probation"]
    await run(db, *PROBATION_SETUP)
    await run(db, "INSERT INTO sentence (sentence_id, crn, kind, offence, sentenced_on, length_months, release_date, "
                  "release_type, release_establishment, release_decided_on) VALUES (1, 'X000001', 'custodial', "
                  "'Burglary', '2025-01-01', 24, '2026-12-20', 'automatic_conditional', 'HMP Brixton', '2026-10-01')")
    await run(db, "UPDATE sentence SET release_date = '2026-12-10', release_type = 'early_release', "
                  "release_decided_on = '2026-11-30' WHERE sentence_id = 1")
    await run(db, "UPDATE sentence SET release_establishment = 'HMP Pentonville' WHERE sentence_id = 1")  # no event
    await run(db, "UPDATE sentence SET release_date = '2026-12-10' WHERE sentence_id = 1")  # unchanged: no event
    await run(db, "INSERT INTO licence_condition VALUES (7, 'X000001', 'exclusion_zone', 'Not in E8', "
                  "'2026-12-10', NULL)")
    await run(db, "UPDATE offender SET custody_status = 'licence' WHERE crn = 'X000001'")
    await run(db, "UPDATE licence_condition SET ends_on = '2027-06-01' WHERE condition_id = 7")
    await run(db, "DELETE FROM licence_condition WHERE condition_id = 7")
    await run(db, "INSERT INTO referral VALUES (3, 'X000001', 'accommodation', '2026-12-11', true)")
    await run(db, "UPDATE referral SET open = false WHERE referral_id = 3")
    await run(db, "UPDATE sentence SET recalled_on = '2027-01-05' WHERE sentence_id = 1")

    rows = await events(db, "probation")
    assert [r.event_type for r in rows] == [
        "ReleaseScheduled", "ReleaseScheduled", "LicenceConditionsChanged", "Released", "LicenceConditionsChanged",
        "LicenceConditionsChanged", "ReferralCreated", "ReferralUpdated", "Recalled"]
    assert {r.agency_key for r in rows} == {"X000001"}
    assert [r.position for r in rows] == sorted(r.position for r in rows)
    moved = rows[1].data
    assert (moved["release_date"], moved["previous_release_date"]) == ("2026-12-10", "2026-12-20")
    assert (moved["release_type"], moved["decided_on"]) == ("early_release", "2026-11-30")
    assert named("probation").agency.capture.kind("ReleaseScheduled").derive(dict(moved))["notice_days"] == 10  # type: ignore[union-attr,misc]
    assert rows[-1].data["recalled_on"] == "2027-01-05"
    assert bool(rows[7].data["open"]) is False
    assert len({r.position for r in rows}) == len(rows)


async def test_an_arrest_and_its_outcome_are_events(agencies: Agencies) -> None:
    db = agencies.engines["police"]
    await run(db, "INSERT INTO officer VALUES ('iom-1', 'An Officer', 'Hackney', '0')",
              "INSERT INTO nominal (pnc_id, surname, forenames, date_of_birth, sex) "
              "VALUES ('2001/0123456A', 'Doe', 'Jo', '1990-01-01', 'M')")
    await run(db, "INSERT INTO arrest (arrest_id, pnc_id, arrested_at, offence_code, offence, custody_suite, outcome) "
                  "VALUES (1, '2001/0123456A', '2026-12-01 23:10:00', 'TH68010', 'Burglary (dwelling)', "
                  "'Stoke Newington', 'bailed')")
    await run(db, "UPDATE arrest SET outcome = 'charged' WHERE arrest_id = 1")
    await run(db, "UPDATE arrest SET custody_suite = 'Brixton' WHERE arrest_id = 1")  # not an outcome: no event
    rows = await events(db, "police")
    assert [(r.event_type, r.data["outcome"]) for r in rows] == [("Arrested", "bailed"), ("Arrested", "charged")]
    assert rows[1].data["previous_outcome"] == "bailed"


async def test_an_accommodation_status_change_is_an_event(agencies: Agencies) -> None:
    db = agencies.engines["housing"]
    await run(db, "INSERT INTO housing_client (housing_ref, surname, forenames, date_of_birth, borough, "
                  "accommodation_status, status_since, duty_stage) VALUES ('HR00000001', 'Doe', 'Jo', '1990-01-01', "
                  "'Hackney', 'nfa', '2026-11-01', 'relief')")
    await run(db, "UPDATE housing_client SET accommodation_status = 'approved_premises', status_since = '2026-12-10' "
                  "WHERE housing_ref = 'HR00000001'")
    await run(db, "UPDATE housing_client SET duty_stage = 'main_duty' WHERE housing_ref = 'HR00000001'")  # no event
    [row] = await events(db, "housing")
    assert row.event_type == "AccommodationStatusChanged"
    assert (row.data["previous_status"], row.data["accommodation_status"]) == ("nfa", "approved_premises")


async def test_a_change_that_rolls_back_is_no_event(agencies: Agencies) -> None:
    db = agencies.engines["probation"]
    await run(db, *PROBATION_SETUP)
    with pytest.raises(Exception, match="boom"):
        async with db.begin() as conn:
            await conn.execute(text("UPDATE offender SET custody_status = 'licence' WHERE crn = 'X000001'"))
            raise RuntimeError("boom")
    assert await events(db, "probation") == []


async def test_the_stream_is_woken_by_a_commit(agencies: Agencies) -> None:
    """Polling seldom (every 5 s), a change still arrives at once: PostgreSQL's trigger notifies; on SQLite the
    hub's own writer (``hub simulate``, a test) wakes the stream, and other writers wait for the poll."""
    db = agencies.engines["probation"]
    await run(db, *PROBATION_SETUP)
    index = PersonIndex(create_engine(agencies.index_url))
    from hub.services.index import tables as index_tables

    async with index.engine.begin() as conn:
        await conn.run_sync(index_tables.metadata.create_all)
    capture = named("probation").agency.capture
    assert capture is not None
    stream = EventStream([Source.database("probation", db, capture, "crn")], index, poll_seconds=5)
    await stream.start()
    try:
        await asyncio.sleep(0.2)  # the listener is connected
        async with stream.listen() as queue:
            started = time.monotonic()
            await run(db, "UPDATE offender SET custody_status = 'licence' WHERE crn = 'X000001'")
            if db.dialect.name == "sqlite":
                stream.wake()
            event = await asyncio.wait_for(queue.get(), 2)
            assert time.monotonic() - started < 1
        assert event.kind.name == "Released" and event.person_id is None  # the index knows no one here
    finally:
        await stream.stop()
        await index.close()

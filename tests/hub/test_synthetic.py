"""The synthetic data: deterministic, valid identifiers, consistent links, the promised well-known cases."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from connectors.housing import tables as housing
from connectors.police import tables as police
from connectors.probation import tables as probation
from connectors.registry import validate
from connectors.treatment import tables as treatment
from hub.cli.seeding import AlreadySeeded, seed_all, seed_state
from hub.core.db import create_engine
from hub.core.identifiers import validate_postcode, validate_uprn
from hub.core.settings import Settings
from hub.services.index import tables as index
from tests.conftest import AS_OF, PEOPLE, SEED, sqlite_settings


async def rows(url: str, statement: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(statement)).all())
    finally:
        await engine.dispose()


def fingerprint(data_dir: Path) -> str:
    """A digest of every row of every table, in key order: equal digests mean equal data."""
    digest = hashlib.sha256()
    for name in ("index", "police", "probation", "housing", "treatment"):
        with sqlite3.connect(data_dir / f"{name}.db") as conn:
            tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table' order by name")]
            for table in tables:
                if table == "synthetic_seed_run" or table.startswith("alembic_version"):
                    continue
                for row in conn.execute(f'select * from "{table}" order by 1, 2'):
                    digest.update(repr(row).encode())
    return digest.hexdigest()


def test_same_seed_gives_identical_data_and_another_seed_does_not(tmp_path: Path, seeded_dir: Path) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    asyncio.run(seed_all(sqlite_settings(again), people=PEOPLE, seed=SEED, as_of=AS_OF))
    asyncio.run(seed_all(sqlite_settings(other), people=PEOPLE, seed=SEED + 1, as_of=AS_OF))
    assert fingerprint(again) == fingerprint(seeded_dir)
    assert fingerprint(other) != fingerprint(seeded_dir)


async def test_every_identifier_is_valid_and_every_link_points_at_a_record(seeded_dir: Path) -> None:
    s = sqlite_settings(seeded_dir)
    links = await rows(s.index_url, select(index.person_link.c.scheme, index.person_link.c.value))
    by_scheme: dict[str, set[str]] = {}
    for scheme, value in links:
        assert validate(scheme, value) == value
        by_scheme.setdefault(scheme, set()).add(value)
    agency_keys = {
        "pncId": (s.agency_url("police"), police.nominal.c.pnc_id),
        "crn": (s.agency_url("probation"), probation.offender.c.crn),
        "housingReference": (s.agency_url("housing"), housing.housing_client.c.housing_ref),
        "nhsNumber": (s.agency_url("treatment"), treatment.treatment_client.c.nhs_number),
    }
    for scheme, (url, column) in agency_keys.items():
        keys = {r[0] for r in await rows(url, select(column))}
        assert keys == by_scheme[scheme], scheme
    people = await rows(s.index_url, select(index.person.c.person_id))
    assert len(people) == PEOPLE
    linked = {r[0] for r in await rows(s.index_url, select(index.person_link.c.person_id).distinct())}
    assert linked == {r[0] for r in people}, "someone in the index has no agency record"
    for uprn, code in await rows(s.agency_url("housing"),
                                 select(housing.housing_client.c.uprn, housing.housing_client.c.postcode)):
        if code is not None:
            assert validate_postcode(code) == code and validate_uprn(uprn) == uprn


async def test_nhs_numbers_are_from_the_reserved_test_range(seeded_dir: Path) -> None:
    s = sqlite_settings(seeded_dir)
    numbers = [r[0] for r in await rows(s.agency_url("treatment"), select(treatment.treatment_client.c.nhs_number))]
    assert numbers and all(n.startswith("999") for n in numbers)


async def test_well_known_staff_and_people_exist(seeded_dir: Path) -> None:
    s = sqlite_settings(seeded_dir)
    first20 = [f"H{i:08d}" for i in range(1, 21)]
    links = await rows(s.index_url, select(index.person_link.c.person_id, index.person_link.c.scheme)
                       .where(index.person_link.c.person_id.in_(first20)))
    schemes: dict[str, set[str]] = {}
    for pid, scheme in links:
        schemes.setdefault(pid, set()).add(scheme)
    assert all({"pncId", "crn", "housingReference", "nhsNumber"} <= schemes[p] for p in first20)

    first_crn = await rows(s.index_url, select(index.person_link.c.value).where(
        index.person_link.c.person_id == "H00000001", index.person_link.c.scheme == "crn"))
    crn = first_crn[0][0]
    om = await rows(s.agency_url("probation"), select(probation.offender.c.offender_manager_code)
                    .where(probation.offender.c.crn == crn))
    assert om == [("om-001",)]
    iom = await rows(s.agency_url("police"), select(police.nominal.c.iom_cohort, police.nominal.c.iom_officer_id)
                     .where(police.nominal.c.iom_officer_id == "iom-officer-001"))
    assert ("fixed", "iom-officer-001") in iom
    victim = await rows(s.agency_url("probation"), select(probation.victim_case.c.crn)
                        .where(probation.victim_case.c.liaison_officer_id == "victim-liaison-001"))
    assert victim
    assigned = (("housing-officer-001", s.agency_url("housing"), housing.housing_client.c.housing_officer_id),
                ("keyworker-001", s.agency_url("treatment"), treatment.treatment_client.c.keyworker_id))
    for user, url, column in assigned:
        assert await rows(url, select(column).where(column == user)), user


async def test_distributions_cover_what_the_partnership_asks_about(seeded_dir: Path) -> None:
    s = sqlite_settings(seeded_dir)
    cohorts = {r[0] for r in await rows(s.agency_url("police"), select(police.nominal.c.iom_cohort))}
    assert {"fixed", "flex", "free"} <= cohorts
    statuses = {r[0] for r in await rows(s.agency_url("housing"),
                                         select(housing.housing_client.c.accommodation_status))}
    assert {"settled", "nfa", "rough_sleeping", "approved_premises"} <= statuses
    evening_before = datetime.combine(AS_OF - timedelta(days=1), time(12))
    n = await rows(s.agency_url("police"), select(police.arrest.c.arrest_id)
                   .where(police.arrest.c.arrested_at >= evening_before))
    assert n, "nobody was arrested overnight: the daily-intel question would have nothing to find"
    ost = await rows(s.agency_url("treatment"), select(treatment.ost_prescription.c.medication).distinct())
    assert {r[0] for r in ost} == {"methadone", "buprenorphine"}


async def test_seeding_again_refuses_and_keeps_the_data(tmp_path: Path) -> None:
    s = sqlite_settings(tmp_path)
    await seed_all(s, people=30, seed=1, as_of=AS_OF)
    before = fingerprint(tmp_path)
    with pytest.raises(AlreadySeeded):
        await seed_all(s, people=50, seed=2, as_of=AS_OF)
    assert fingerprint(tmp_path) == before
    report = await seed_all(s, people=50, seed=2, as_of=AS_OF, replace=True)
    assert report.people == 50 and fingerprint(tmp_path) != before
    assert len(await rows(s.index_url, select(index.person.c.person_id))) == 50


async def test_an_interrupted_run_is_reported_incomplete(tmp_path: Path) -> None:
    s: Settings = sqlite_settings(tmp_path)
    assert await seed_state(s) == "empty"
    await seed_all(s, people=10, seed=1, as_of=AS_OF)
    assert await seed_state(s) == "complete"
    engine = create_engine(s.index_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("delete from synthetic_seed_run"))
    finally:
        await engine.dispose()
    assert await seed_state(s) == "incomplete"


def test_seed_cli_refuses_bad_counts_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli import main

    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "d"))
    assert main(["seed", "--people", "0"]) == 2
    assert main(["seed", "--people", "25", "--seed", "3", "--as-of", "2026-11-24"]) == 0
    assert "25 people" in capsys.readouterr().err
    assert main(["seed", "--people", "25"]) == 1


def test_progress_in_a_log_is_one_line_per_tenth(capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli.seed import ProgressBar

    bar = ProgressBar()  # stderr captured: not a terminal
    for done in range(50, 1001, 50):
        bar(done, 1000)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert len(lines) == 10 and lines[0].endswith(")") and "100/1000 people" in lines[0]
    assert "1000/1000 people" in lines[-1]

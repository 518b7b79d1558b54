"""An outcome table is built over the breakdowns the caller may count, and only those: a field the caller
may not count even in aggregate never shapes which of their cells are withheld; every breakdown the table
is built over is recorded as read; and a breakdown whose agency is not connected is refused before
anything is read."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hub.core.settings import Settings
from hub.core.statement_counter import count_statements
from hub.services.agencies import Agencies
from hub.services.counts import CountTables, MeasureUnavailable
from hub.web.app import create_app
from hub.web.runtime import Hub
from schema.graph.types.counts import BREAKDOWNS, MEASURES
from tests.http.conftest import Governed
from tests.http.outcome_truth import truth
from tests.http.test_outcome_measures import (
    ask,
    financial_year_of_quarter,
    quarter_range,
    without_aggregate,
    year_range,
)

BOROUGH = "HousingRecord.lastKnownBorough"


def moved_boroughs(settings: Settings, directory: Path) -> Settings:
    """The same data, but everyone housing holds lives in another borough (each borough's people moved
    together into the next one's)."""
    source = settings.agency_url("housing").split(":///", 1)[1]
    directory.mkdir(parents=True)
    target = directory / "housing.db"
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as db:
        boroughs = sorted(b for (b,) in db.execute("SELECT DISTINCT borough FROM housing_client "
                                                   "WHERE borough IS NOT NULL"))
        assert len(boroughs) >= 3
        db.execute("UPDATE housing_client SET borough = borough || '~'")
        for old, new in zip(boroughs, boroughs[1:] + boroughs[:1], strict=True):
            db.execute("UPDATE housing_client SET borough = ? WHERE borough = ?", (new, old + "~"))
        # a third of them moved on again: the boroughs' sizes change, not only their names
        db.execute("UPDATE housing_client SET borough = ? WHERE rowid % 3 = 0", (boroughs[0],))
    return settings.model_copy(update=dict(agency_urls={**settings.agency_urls,
                                                        "housing": f"sqlite+aiosqlite:///{target}"}))


async def published(settings: Settings, measure: str) -> tuple[dict[str, Any], list[Any], dict[str, int]]:
    """Every period's cells by release type (the whole table, each quarter, each financial year), the
    audit records of asking, and the SQL statements each database was sent."""
    seeded = await truth(settings)
    quarters = sorted({r[0] for r in seeded.rows[measure]})
    periods: list[tuple[str, dict[str, str] | None]] = [("*", None), *((q, quarter_range(q)) for q in quarters)]
    periods += [(fy, year_range(fy)) for fy in sorted({financial_year_of_quarter(q) for q in quarters})]
    hub = Hub.open(settings)
    app = create_app(settings, hub=hub)
    governed = Governed(app, settings, hub)
    try:
        found = {}
        with count_statements(hub.sql_engines()) as sent:
            for label, period in periods:
                result = await ask(governed, measure, period, ["RELEASE_TYPE"])
                assert "errors" not in result, result["errors"]
                found[label] = result["data"]["partnershipCounts"]
        return found, [r for r in await governed.records() if r.event.aggregates], dict(sent)
    finally:
        await app.state.governance.audit.close()
        await hub.close()


async def test_a_field_the_caller_may_not_count_does_not_shape_their_table(settings: Settings, tmp_path: Path) -> None:
    policy = without_aggregate(tmp_path / "policy", "borough")
    local = settings.model_copy(update=dict(policy_dir=policy))
    moved = moved_boroughs(local, tmp_path / "moved")
    for measure in ("HOUSED_ON_RELEASE_NIGHT", "PROVEN_REOFFENDING_12_MONTHS"):
        first, records, sent = await published(local, measure)
        second, _, _ = await published(moved, measure)
        assert first == second, measure  # the same cells withheld, wherever people live
        fields = first["*"]["fieldsRead"]
        assert BOROUGH not in fields and BREAKDOWNS["IOM_COHORT"].field_key in fields
        assert records
        for record in records:
            disclosed = {line for lines in record.event.disclosed.values() for line in lines}
            assert f"{BREAKDOWNS['IOM_COHORT'].field_key} (aggregate)" in disclosed
            assert not any(line.startswith(BOROUGH) for line in disclosed)
        if measure == "PROVEN_REOFFENDING_12_MONTHS":
            assert sent["housing"] == 0, sent  # the boroughs are not even read


async def test_a_caller_who_may_count_every_breakdown_reads_a_table_over_all_of_them(settings: Settings) -> None:
    """Asked by release type alone, the table is still built over every breakdown the caller may count (so
    it is the one protected table everyone allowed them reads), and the audit records each as read."""
    found, records, sent = await published(settings, "PROVEN_REOFFENDING_12_MONTHS")
    assert found["*"]["fieldsRead"][-3:] == ["ProbationRecord.releaseType", "PoliceRecord.iomCohort", BOROUGH]
    assert records and all(f"{BOROUGH} (aggregate)" in r.event.disclosed["housing"] for r in records)
    assert sent["housing"] == 1, sent  # the boroughs, once


async def test_callers_allowed_the_same_breakdowns_read_one_table(settings: Settings) -> None:
    hub = Hub.open(settings)
    try:
        tables = CountTables(hub.index, hub.agencies, ttl=3600)
        m = MEASURES["HOUSED_ON_RELEASE_NIGHT"]
        over = ["IOM_COHORT", "RELEASE_TYPE"]
        assert await tables.table(m, over) is await tables.table(m, list(reversed(over)))
        assert await tables.table(m, over) is not await tables.table(m, list(BREAKDOWNS))
        narrow = await tables.table(m, over)
        assert [d.name for d in narrow.dimensions] == ["period", *over, "value"]
    finally:
        await hub.close()


async def test_a_breakdown_whose_agency_is_not_connected_is_refused_before_anything_is_read(
        settings: Settings) -> None:
    full = Hub.open(settings)
    connected = Agencies((full.agencies.descriptors[n], c) for n, c in full.agencies.items() if n != "housing")
    tables = CountTables(full.index, connected, ttl=3600)
    try:
        with count_statements(full.sql_engines()) as counted, pytest.raises(MeasureUnavailable) as refused:
            await tables.count(MEASURES["PROVEN_REOFFENDING_12_MONTHS"], None, ["BOROUGH"], list(BREAKDOWNS))
        assert refused.value.extensions["breakdown"] == "BOROUGH"
        assert sum(counted.values()) == 0, counted  # refused before anything is read
        # the other breakdowns still answer, over the connected agencies' breakdowns only
        table = await tables.table(MEASURES["PROVEN_REOFFENDING_12_MONTHS"], list(BREAKDOWNS))
        assert [d.name for d in table.dimensions] == ["period", "IOM_COHORT", "RELEASE_TYPE", "value"]
    finally:
        await full.close()


async def test_one_cold_build_of_every_outcome_reads_the_releases_and_each_link_once(settings: Settings) -> None:
    hub = Hub.open(settings)
    tables = CountTables(hub.index, hub.agencies, ttl=3600)
    outcomes = [m for m in MEASURES.values() if m.outcome is not None]
    try:
        with count_statements(hub.sql_engines()) as counted:
            await asyncio.gather(*(tables.table(m, list(BREAKDOWNS)) for m in outcomes))
    finally:
        await hub.close()
    # releases once; the links of crn, the breakdowns' and the outcome agencies' schemes once each
    assert counted["probation"] == 1, counted
    assert counted["index"] <= 5, counted
    # each outcome agency: which keys it holds, and its data, once per measure; each breakdown once
    assert counted == {"index": 5, "probation": 1, "police": 3, "housing": 5, "treatment": 3, "employment": 4}, counted


async def test_with_no_release_followed_up_yet_the_outcome_agency_is_not_asked(settings: Settings) -> None:
    hub = Hub.open(settings)
    tables = CountTables(hub.index, hub.agencies, ttl=3600, today=lambda: date(2000, 1, 1))
    try:
        with count_statements(hub.sql_engines()) as counted:
            table = await tables.table(MEASURES["HOUSED_ON_RELEASE_NIGHT"], list(BREAKDOWNS))
    finally:
        await hub.close()
    assert table.counts == {}
    assert counted["housing"] == counted["police"] == 0, counted  # neither the outcome nor a breakdown read

"""Every measure's cells equal counts made independently: plain SQL on each agency's own tables,
the bands and the suppression rule written out again here, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from connectors.registry import AGENCIES
from hub.cli.seeding import seed_all
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from schema.graph.types.counts import MEASURES
from tests.conftest import AS_OF, SEED, sqlite_settings
from tests.http.conftest import Governed

QUERY = "query($m: CountMeasure!) { partnershipCounts(measure: $m) { total cells { value count suppressed } } }"


def ogrs_band(score: int) -> str:
    return "high" if score >= 75 else "medium" if score >= 50 else "low"  # DOMAIN.md: <50, 50-74, 75+


def as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


#: measure -> (agency, SQL over its tables, how a row becomes the counted value; None: not counted)
SOURCES: dict[str, tuple[str, str, Any]] = {
    "IOM_COHORT": ("police", "SELECT iom_cohort FROM nominal", lambda r: r[0]),
    "OGRS_BAND": ("probation", "SELECT ogrs_score FROM offender", lambda r: ogrs_band(r[0])),
    "ROSH_LEVEL": ("probation", "SELECT rosh_level FROM offender", lambda r: r[0]),
    "MAPPA_LEVEL": ("probation", "SELECT mappa_level FROM offender", lambda r: None if r[0] is None else str(r[0])),
    "ACCOMMODATION_STATUS": ("housing", "SELECT accommodation_status FROM housing_client", lambda r: r[0]),
    "DUTY_STAGE": ("housing", "SELECT duty_stage FROM housing_client", lambda r: r[0]),
    # engaged: an episode with no end date
    "TREATMENT_ENGAGED": ("treatment", "SELECT c.nhs_number, (SELECT count(*) FROM episode e WHERE "
                          "e.nhs_number = c.nhs_number AND e.ended_on IS NULL) FROM treatment_client c",
                          lambda r: "true" if r[1] else "false"),
    "EMPLOYMENT_STATUS": ("employment", "SELECT status FROM employment_client", lambda r: r[0]),
}


async def counted(settings: Settings, measure: str) -> dict[str, int]:
    agency, sql, value = SOURCES[measure]
    engine = create_engine(settings.agency_url(agency))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(sql))).all()
    finally:
        await engine.dispose()
    return dict(Counter(v for v in map(value, rows) if v is not None))


def published(counts: dict[str, int]) -> dict[str, Any]:
    """Cells and total under 5 withheld; where the cells and their total leave exactly one withheld, the
    smallest other (a cell before the total) is withheld with it, so subtraction gives none away."""
    line: dict[str | None, int] = {None: sum(counts.values())}  # None: the total
    line.update(counts)
    withheld = {v for v, n in line.items() if 0 < n < 5}
    if len(withheld) == 1:
        others = [(n, v is None, v or "") for v, n in line.items() if v not in withheld and n > 0]
        if others:
            _, is_total, v = min(others)
            withheld.add(None if is_total else v)
    cells = [{"value": v, "count": None if v in withheld else n, "suppressed": v in withheld}
             for v, n in sorted(counts.items())]
    return {"total": None if None in withheld else line[None], "cells": cells}


def test_every_distribution_measure_is_checked() -> None:
    """The outcome measures are checked in tests/http/test_outcome_measures.py."""
    assert set(SOURCES) == {name for name, m in MEASURES.items() if m.outcome is None}


async def check_every_measure(governed: Governed) -> None:
    for measure in SOURCES:
        expected = await counted(governed.settings, measure)
        assert len(expected) > 1 and sum(expected.values()) >= 20, (measure, expected)  # data worth checking
        result = await governed.ask(QUERY, {"m": measure}, role="partnership-analyst", purpose="partnership-analytics")
        assert "errors" not in result, result["errors"]
        assert result["data"]["partnershipCounts"] == published(expected), measure


async def test_every_measure_matches_the_agency_tables_on_sqlite(governed: Governed) -> None:
    await check_every_measure(governed)


@pytest.fixture
async def governed_on_postgres(tmp_path: Path, make_pg_database: Any) -> AsyncIterator[Governed]:
    urls = {a.name: await make_pg_database(a.name) for a in AGENCIES}
    index_url = await make_pg_database("index")
    settings = sqlite_settings(tmp_path).model_copy(update=dict(agency_urls=urls, index_url=index_url))
    await seed_all(settings, people=200, seed=SEED, as_of=AS_OF)
    hub = Hub.open(settings)
    app = create_app(settings, hub=hub)
    yield Governed(app, settings, hub)
    await app.state.governance.audit.close()
    await hub.close()


async def test_every_measure_matches_the_agency_tables_on_postgresql(governed_on_postgres: Governed) -> None:
    await check_every_measure(governed_on_postgres)


@pytest.mark.parametrize(("counts", "cells"), [
    ({"true": 162, "false": 50}, {"true": 162, "false": 50}),   # the treatment figures of the issue
    ({"a": 3, "b": 10, "c": 20}, {"a": None, "b": None, "c": 20}),
    ({"a": 2, "b": 2, "c": 20}, {"a": None, "b": None, "c": 20}),
    ({"a": 4}, {"a": None}),
])
def test_the_suppression_rule_written_out_here(counts: dict[str, int], cells: dict[str, int | None]) -> None:
    assert {c["value"]: c["count"] for c in published(counts)["cells"]} == cells

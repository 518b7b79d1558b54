"""Aggregate counts: only where the agreements allow aggregates, small numbers suppressed, no subjects."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.police import tables as police
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.services.counts import THRESHOLD, distribution_table, read
from tests.http.conftest import Governed

QUERY = ("query($m: CountMeasure!) { partnershipCounts(measure: $m) { field threshold total "
         "cells { value count suppressed } } }")


@pytest.mark.parametrize(("counts", "shown", "total"), [
    ({"a": 10, "b": 20}, {"a": 10, "b": 20}, 30),
    # secondary suppression of b: the total is shown, a + b is all it tells
    ({"a": 3, "b": 10, "c": 20}, {"a": None, "b": None, "c": 20}, 33),
    ({"a": 3, "b": 4, "c": 20}, {"a": None, "b": None, "c": 20}, 27),
    ({"a": 5}, {"a": 5}, 5),
    ({"a": 4}, {"a": None}, None),
    ({}, {}, 0),
])
def test_suppression_rules(counts: dict[str, int], shown: dict[str, int | None], total: int | None) -> None:
    found = read(distribution_table(counts), "")
    cells, got_total = found.cells, found.total
    assert {c.value: c.count for c in cells} == shown and got_total == total
    assert all((c.count is None) == c.suppressed for c in cells)


async def test_an_analyst_gets_counts_matching_the_police_system(governed: Governed, settings: Settings) -> None:
    engine = create_engine(settings.agency_url("police"))
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(police.nominal.c.iom_cohort, func.count())
                                       .where(police.nominal.c.iom_cohort.is_not(None))
                                       .group_by(police.nominal.c.iom_cohort))).all()
    finally:
        await engine.dispose()
    real = {str(v): int(n) for v, n in rows}
    result = await governed.ask(QUERY, {"m": "IOM_COHORT"}, role="partnership-analyst",
                                purpose="partnership-analytics")
    table = result["data"]["partnershipCounts"]
    assert table["field"] == "PoliceRecord.iomCohort" and table["threshold"] == THRESHOLD
    for cell in table["cells"]:
        assert cell["count"] == (None if cell["suppressed"] else real[cell["value"]])
        assert cell["suppressed"] or real[cell["value"]] >= THRESHOLD
    assert {c["value"] for c in table["cells"]} == set(real)
    (record,) = await governed.records()
    assert record.event.subjects == () and "PoliceRecord.iomCohort (aggregate)" in record.event.disclosed["police"]


@pytest.mark.parametrize("measure", ["OGRS_BAND", "ROSH_LEVEL", "MAPPA_LEVEL", "ACCOMMODATION_STATUS",
                                     "DUTY_STAGE", "TREATMENT_ENGAGED"])
async def test_every_measure_answers_for_an_analyst(governed: Governed, measure: str) -> None:
    result = await governed.ask(QUERY, {"m": measure}, role="partnership-analyst", purpose="partnership-analytics")
    assert "errors" not in result and result["data"]["partnershipCounts"]["cells"]


@pytest.mark.parametrize(("role", "purpose", "measure"), [
    ("housing-officer", "housing-referral", "OGRS_BAND"),      # masked away, not aggregate
    ("victim-liaison", "victim-contact", "ACCOMMODATION_STATUS"),
    ("treatment-keyworker", "continuity-of-care", "IOM_COHORT"),
    ("police-iom-officer", "iom", "ACCOMMODATION_STATUS"),     # only for their own cohort: no totals
])
async def test_counts_are_refused_where_the_agreement_allows_no_aggregate(governed: Governed, role: str,
                                                                          purpose: str, measure: str) -> None:
    result: dict[str, Any] = await governed.ask(QUERY, {"m": measure}, role=role, purpose=purpose)
    assert result["data"] == {"partnershipCounts": None}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FIELD_NOT_SHARED"]
    assert result["errors"][0]["extensions"]["clause"]

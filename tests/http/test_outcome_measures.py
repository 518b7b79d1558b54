"""The board's outcome measures over HTTP: cells equal counts worked out again from the seeded rows, no
suppressed cell can be recovered by differencing the published figures, and governance holds."""

from __future__ import annotations

from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from hub.core.settings import Settings
from hub.services.agencies import Agencies
from hub.services.counts import THRESHOLD, CountTables
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.http.conftest import Governed
from tests.http.outcome_truth import DIMENSIONS, FOLLOW_UP, financial_year, truth
from tests.http.test_counts_exact import governed_on_postgres  # noqa: F401  (the PostgreSQL hub fixture)
from tests.policy_copies import copy_shipped, rewrite_rules

QUERY = """query($m: CountMeasure!, $p: DateRange, $by: [CountBreakdown!]) {
  partnershipCounts(measure: $m, releasedBetween: $p, by: $by) {
    period total fieldsRead cells { value count suppressed breakdown { dimension value } } } }"""
ANALYST = {"role": "partnership-analyst", "purpose": "partnership-analytics"}
QUARTER_DAYS = {1: ("01-01", "03-31"), 2: ("04-01", "06-30"), 3: ("07-01", "09-30"), 4: ("10-01", "12-31")}


def quarter_range(q: str) -> dict[str, str]:
    first, last = QUARTER_DAYS[int(q[-1])]
    return {"from": f"{q[:4]}-{first}", "to": f"{q[:4]}-{last}"}


def year_range(fy: str) -> dict[str, str]:
    start = int(fy[2:6])
    return {"from": f"{start}-04-01", "to": f"{start + 1}-03-31"}


async def ask(governed: Governed, measure: str, period: dict[str, str] | None = None, by: list[str] | None = None,
              **caller: str) -> dict[str, Any]:
    return await governed.ask(QUERY, {"m": measure, "p": period, "by": by}, **(caller or ANALYST))


def as_counts(table: dict[str, Any]) -> dict[tuple[str, ...], int | None]:
    return {(*(b["value"] for b in c["breakdown"]), c["value"]): c["count"] for c in table["cells"]}


async def check_against_the_tables(governed: Governed) -> None:
    seeded = await truth(governed.settings)
    for measure in FOLLOW_UP:
        rows = seeded.rows[measure]
        assert len(rows) >= 20 and len({r[-1] for r in rows}) == 3, (measure, len(rows))  # data worth checking
        quarters = sorted({r[0] for r in rows})
        busiest = max(quarters, key=lambda q: sum(r[0] == q for r in rows))
        fy = financial_year_of_quarter(busiest)
        for period, label, by in [(None, None, []), (None, None, ["BOROUGH"]),
                                  (None, None, ["IOM_COHORT", "RELEASE_TYPE"]),
                                  (quarter_range(busiest), busiest, ["RELEASE_TYPE"]), (year_range(fy), fy, [])]:
            result = await ask(governed, measure, period, by)
            assert "errors" not in result, result["errors"]
            table = result["data"]["partnershipCounts"]
            expected = seeded.counts(measure, label, by)
            got = as_counts(table)
            assert set(got) == set(expected), (measure, by)
            for key, n in got.items():
                assert n == expected[key] or n is None, (measure, by, key)
                assert n is not None or expected[key] > 0  # zeros are never withheld (nor listed)
                if expected[key] < THRESHOLD:
                    assert n is None, (measure, by, key)
            total = sum(expected.values())
            assert table["total"] in (total, None) and (table["total"] is not None or total < THRESHOLD
                                                        or any(n is None for n in got.values()))
            assert table["period"] == label


def financial_year_of_quarter(q: str) -> str:
    return financial_year(date(int(q[:4]), 3 * int(q[-1]), 1))


async def test_each_measure_matches_the_seeded_rows_on_sqlite(governed: Governed) -> None:
    await check_against_the_tables(governed)


async def test_each_measure_matches_the_seeded_rows_on_postgresql(governed_on_postgres: Governed) -> None:  # noqa: F811
    await check_against_the_tables(governed_on_postgres)


async def published_figures(governed: Governed, measure: str) -> dict[tuple[str, ...], int | None]:
    """Every figure any query for the measure publishes, keyed (period, borough, iom, release type, value)
    with "*" for all: each breakdown set, each quarter, each financial year and every release."""
    seeded = await truth(governed.settings)
    quarters = sorted({r[0] for r in seeded.rows[measure]})
    periods: list[tuple[str, dict[str, str] | None]] = [("*", None)]
    periods += [(q, quarter_range(q)) for q in quarters]
    periods += [(fy, year_range(fy)) for fy in sorted({financial_year_of_quarter(q) for q in quarters})]
    figures: dict[tuple[str, ...], int | None] = {}
    for label, period in periods:
        for size in range(len(DIMENSIONS) + 1):
            for by in combinations(DIMENSIONS, size):
                result = await ask(governed, measure, period, list(by))
                assert "errors" not in result, result["errors"]
                table = result["data"]["partnershipCounts"]
                figures[(label, "*", "*", "*", "*")] = table["total"]
                for c in table["cells"]:
                    at = {b["dimension"]: b["value"] for b in c["breakdown"]}
                    key = (label, *(at.get(d, "*") for d in DIMENSIONS), c["value"])
                    assert figures.get(key, c["count"]) == c["count"]  # every query reads the same table
                    figures[key] = c["count"]
    return figures


def parent_period(label: str) -> str:
    return financial_year_of_quarter(label) if "-Q" in label else "*"


@pytest.mark.parametrize("measure", ["HOUSED_ON_RELEASE_NIGHT", "PROVEN_REOFFENDING_12_MONTHS"])
async def test_differencing_the_published_figures_recovers_no_suppressed_cell(governed: Governed,
                                                                             measure: str) -> None:
    """Total minus a breakdown's visible cells, a two-way breakdown against a one-way one, a financial year
    against its quarters: along every line of published figures (cells adding up to a published total, with
    that total), never exactly one is withheld, so no subtraction yields a withheld cell."""
    figures = await published_figures(governed, measure)
    assert sum(n is None for n in figures.values()) >= 10  # there is something to protect
    lines: dict[tuple[int, tuple[str, ...]], list[tuple[str, ...]]] = {}
    for key in figures:
        for i, value in enumerate(key):
            if value != "*":
                total = (*key[:i], parent_period(value) if i == 0 else "*", *key[i + 1:])
                if total in figures:
                    lines.setdefault((i, total), [total]).append(key)
    assert len(lines) > 100
    for members in lines.values():
        withheld = [k for k in members if figures[k] is None]
        assert len(withheld) != 1, (members, withheld)
        if not withheld:  # nothing hidden: the line adds up
            assert figures[members[0]] == sum(figures[k] or 0 for k in members[1:])


@pytest.mark.parametrize(("role", "purpose", "measure", "field"), [
    ("housing-officer", "housing-referral", "HOUSED_ON_RELEASE_NIGHT", "ProbationRecord.releaseDate"),
    ("police-iom-officer", "iom", "PROVEN_REOFFENDING_12_MONTHS", "ProbationRecord.releaseDate"),
    ("treatment-keyworker", "continuity-of-care", "EMPLOYED_6_WEEKS", "EmploymentRecord.employedSixWeeksAfterRelease"),
])
async def test_a_role_without_aggregate_access_is_refused_naming_the_field(governed: Governed, role: str, purpose: str,
                                                                          measure: str, field: str) -> None:
    result = await ask(governed, measure, role=role, purpose=purpose)
    assert result["data"] == {"partnershipCounts": None}
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "FIELD_NOT_SHARED" and error["extensions"]["field"] == field
    # said beside the data as every refusal is, and recorded as withheld
    assert result["extensions"]["withheld"] == [{"path": ["partnershipCounts"], "field": field,
                                                 "reason": "not shared in aggregate", "code": "FIELD_NOT_SHARED"}]
    (record,) = await governed.records()
    assert field in record.event.withheld and not record.event.aggregates


def without_aggregate(directory: Path, group: str) -> Path:
    """A copy of the shipped policy where the analyst may not use ``group`` even in aggregate."""
    copy_shipped(directory)

    def rewrite(line: str) -> str:
        if line.startswith(f"partnership-analyst,partnership-analytics,{group},"):
            return line.replace(",deny,,yes,", ",deny,,,")
        return line

    assert rewrite_rules(directory, rewrite) == 1
    return directory


async def test_a_breakdown_whose_field_is_not_shared_in_aggregate_is_refused(settings: Settings,
                                                                            tmp_path: Path) -> None:
    local = settings.model_copy(update=dict(policy_dir=without_aggregate(tmp_path / "policy", "borough")))
    hub = Hub.open(local)
    app = create_app(local, hub=hub)
    governed = Governed(app, local, hub)
    try:
        refused = await ask(governed, "HOUSED_ON_RELEASE_NIGHT", by=["RELEASE_TYPE", "BOROUGH"])
        assert refused["data"] == {"partnershipCounts": None}
        assert [(e["extensions"]["code"], e["extensions"]["field"]) for e in refused["errors"]] == [
            ("FIELD_NOT_SHARED", "HousingRecord.lastKnownBorough")]
        assert "errors" not in await ask(governed, "HOUSED_ON_RELEASE_NIGHT", by=["RELEASE_TYPE"])
    finally:
        await app.state.governance.audit.close()
        await hub.close()


async def test_a_measure_whose_agency_is_not_connected_is_refused(settings: Settings) -> None:
    full = Hub.open(settings)
    connected = Agencies((full.agencies.descriptors[n], c) for n, c in full.agencies.items() if n != "employment")
    hub = Hub(settings, full.index, connected, full.people, full.caseloads,
              CountTables(full.index, connected, settings.counts_ttl_seconds))
    app = create_app(settings, hub=hub)
    governed = Governed(app, settings, hub)
    try:
        for measure in ("EMPLOYED_6_WEEKS", "EMPLOYED_6_MONTHS", "EMPLOYMENT_STATUS"):
            result = await ask(governed, measure)
            assert result["data"] == {"partnershipCounts": None}
            (error,) = result["errors"]
            assert error["extensions"]["code"] == "MEASURE_UNAVAILABLE" and "employment" in error["message"]
        # A refused measure read nothing: its audit record names no count disclosed.
        refused = await governed.records()
        assert len(refused) == 3 and all(not r.event.aggregates for r in refused)
        assert "errors" not in await ask(governed, "TREATMENT_WITHIN_21_DAYS", by=["BOROUGH"])
        assert (await governed.records())[-1].event.aggregates
    finally:
        await app.state.governance.audit.close()
        await full.close()


@pytest.mark.parametrize("period", [
    {"from": "2025-01-01", "to": "2025-04-01"},   # a quarter and a day: set against the quarter, one day's people
    {"from": "2025-01-02", "to": "2025-03-31"},
    {"from": "2025-02-01", "to": "2025-04-30"},   # three months, not a quarter
    {"from": "2025-01-01", "to": "2025-06-30"},   # two quarters
    {"from": "2025-01-01", "to": "2025-12-31"},   # a calendar year is not a financial year
    {"from": "2025-04-01"},
    {"to": "2025-03-31"},
])
async def test_a_period_the_table_does_not_know_is_refused(governed: Governed, period: dict[str, str]) -> None:
    result = await ask(governed, "HOUSED_ON_RELEASE_NIGHT", period)
    assert result["data"] == {"partnershipCounts": None}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]
    assert "quarter" in result["errors"][0]["message"]


async def test_a_distribution_takes_no_cohort_arguments_and_by_names_each_breakdown_once(governed: Governed) -> None:
    for measure, period, by in [("IOM_COHORT", None, ["BOROUGH"]), ("OGRS_BAND", year_range("FY2025/26"), None),
                                ("HOUSED_ON_RELEASE_NIGHT", None, ["BOROUGH", "BOROUGH"])]:
        result = await ask(governed, measure, period, by)
        assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"], measure


async def test_the_audit_lists_every_field_read_and_no_person(governed: Governed) -> None:
    result = await ask(governed, "PROVEN_REOFFENDING_12_MONTHS", year_range("FY2025/26"), ["BOROUGH", "IOM_COHORT"])
    assert "errors" not in result
    # asked, then the table's other breakdown: it shapes which cells are withheld, so it is read too
    read = ["PoliceRecord.arrests", "ProbationRecord.releaseDate", "HousingRecord.lastKnownBorough",
            "PoliceRecord.iomCohort", "ProbationRecord.releaseType"]
    assert result["data"]["partnershipCounts"]["fieldsRead"] == read
    (record,) = await governed.records()
    assert record.event.subjects == ()
    disclosed = {line for lines in record.event.disclosed.values() for line in lines}
    assert {f"{key} (aggregate)" for key in read} <= disclosed, record.event.disclosed
    assert not any(line.startswith("Person.") for line in disclosed)

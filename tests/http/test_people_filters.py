"""The partnership's people filters (offence group, release type, duty stage, open referral pathway,
licence condition in force) and ``anyOf``, over HTTP against the seeded data.

Each answer is checked against the agencies' own tables, read here with plain SQL and the rules written
out again (the latest sentence, the latest release, a condition in force on a day), and each filter is
governed as reading the field it reads: refused where the caller may not read it, narrowed to the
caller's own people where they may read it only for those.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from connectors.registry import AGENCIES
from hub.cli.seeding import seed_all
from hub.core.offences import OFFENCE_GROUPS, OffenceType, group_of
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from schema.graph.filters import MAX_BRANCHES
from synthetic.population import OFFENCES
from tests.conftest import AS_OF, SEED, sqlite_settings
from tests.graph_client import GraphClient
from tests.http.conftest import Governed
from tests.http.seeded import GROUPS, Seeded, as_date

PEOPLE = ("query($f: PeopleFilter, $after: String) { people(first: 500, filter: $f, after: $after) { totalCount "
          "edges { node { id } } pageInfo { hasNextPage endCursor } } }")
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()

def codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


class Tables(Seeded):
    """What the agencies' tables say about the filters' fields, as hub person ids."""

    async def offence_types(self, groups: set[str]) -> set[str]:
        return {self.ids["crn"][crn] for crn, group in (await self.latest_offence_group()).items()
                if group in groups and crn in self.ids["crn"]}

    async def release_types(self, types: set[str]) -> set[str]:
        latest: dict[str, tuple[Any, int, str]] = {}
        for crn, released, sentence_id, kind in await self.rows("probation", (
                "SELECT crn, release_date, sentence_id, release_type FROM sentence "
                "WHERE release_date IS NOT NULL")):
            key = (as_date(released), sentence_id, kind)
            if crn not in latest or key[:2] > latest[crn][:2]:
                latest[crn] = key
        return {self.ids["crn"][crn] for crn, (_, _, kind) in latest.items() if kind and kind.upper() in types}

    async def duty_stages(self, stages: set[str]) -> set[str]:
        listed = ", ".join(f"'{s.lower()}'" for s in stages)
        return await self.people("housing", "housingReference",
                                 f"SELECT housing_ref FROM housing_client WHERE duty_stage IN ({listed})")

    async def open_referrals(self, pathways: set[str]) -> set[str]:
        listed = ", ".join(f"'{p.lower()}'" for p in pathways)
        return await self.people("probation", "crn", f"SELECT crn FROM referral WHERE pathway IN ({listed}) AND open")

    async def licence_in_force(self, day: date) -> set[str]:
        return {self.ids["crn"][crn] for crn, starts, ends in await self.rows(
                    "probation", "SELECT crn, starts_on, ends_on FROM licence_condition")
                if (s := as_date(starts)) is not None and s <= day and ((e := as_date(ends)) is None or e >= day)}

    async def ogrs(self, low: int, high: int) -> set[str]:
        return await self.people("probation", "crn",
                                 f"SELECT crn FROM offender WHERE ogrs_score BETWEEN {low} AND {high}")



@pytest.fixture
async def tables(settings: Settings, truth: GraphClient) -> Tables:
    found = Tables(settings, truth)
    await found.link()
    return found


async def matched(governed: Governed, f: dict[str, Any], role: str, purpose: str) -> set[str]:
    """Everyone the filter matches for this caller, every page read; totalCount must agree."""
    result = await governed.ask(PEOPLE, {"f": f}, role=role, purpose=purpose)
    assert "errors" not in result, result["errors"]
    page = result["data"]["people"]
    ids = {e["node"]["id"] for e in page["edges"]}
    assert not page["pageInfo"]["hasNextPage"] and page["totalCount"] == len(ids)
    return ids


# ---- the offence groups ----------------------------------------------------------------------------

def test_every_synthetic_offence_has_the_group_written_out_here() -> None:
    assert {offence for offence, _, _ in OFFENCES} == set(GROUPS) == set(OFFENCE_GROUPS)
    assert {o: group_of(o).name for o in GROUPS} == GROUPS
    assert group_of("Unlisted offence") is OffenceType.OTHER
    assert {g.name for g in OffenceType} == set(GROUPS.values())  # every group has an offence to find


# ---- each filter equals what the tables say ---------------------------------------------------------

async def test_offence_types_are_the_current_orders_offence_groups(governed: Governed, tables: Tables) -> None:
    for groups in ({"ROBBERY"}, {"ROBBERY", "BURGLARY"}, {"OTHER"}, {"DOMESTIC_ABUSE", "SEXUAL"}):
        expected = await tables.offence_types(groups)
        assert expected, groups
        found = await matched(governed, {"offenceTypes": sorted(groups)}, "probation-practitioner", "daily-intel")
        assert found == expected, groups


async def test_release_types_are_the_latest_releases_type(governed: Governed, tables: Tables) -> None:
    for types in ({"PAROLE"}, {"HOME_DETENTION_CURFEW", "EARLY_RELEASE"}):
        expected = await tables.release_types(types)
        assert expected, types
        assert await matched(governed, {"releaseTypes": sorted(types)}, "probation-practitioner",
                             "daily-intel") == expected


async def test_duty_stages(governed: Governed, tables: Tables) -> None:
    # Housing officers list only the people they know (caseload, referrals to them): the filter ranges
    # over all of those, the duty stage being housing's own.
    known = await matched(governed, {}, "housing-officer", "housing-referral")
    expected = await tables.duty_stages({"RELIEF", "MAIN_DUTY"}) & known
    assert expected
    assert await matched(governed, {"dutyStages": ["RELIEF", "MAIN_DUTY"]}, "housing-officer",
                         "housing-referral") == expected


async def test_open_referral_pathways(governed: Governed, tables: Tables) -> None:
    expected = await tables.open_referrals({"ACCOMMODATION", "HEALTH"})
    assert expected
    assert await matched(governed, {"openReferralPathways": ["ACCOMMODATION", "HEALTH"]}, "probation-practitioner",
                         "daily-intel") == expected


async def test_licence_conditions_in_force_on_a_day(governed: Governed, tables: Tables) -> None:
    for day in (AS_OF, date(2026, 1, 15)):
        expected = await tables.licence_in_force(day)
        assert expected, day
        assert await matched(governed, {"licenceConditionsInForceOn": day.isoformat()}, "probation-practitioner",
                             "daily-intel") == expected


# ---- governed as the field each reads -----------------------------------------------------------------

@pytest.mark.parametrize(("role", "purpose", "f"), [
    ("housing-officer", "housing-referral", {"offenceTypes": ["ROBBERY"]}),               # sentences: denied
    ("victim-liaison", "victim-contact", {"dutyStages": ["RELIEF"]}),                    # accommodation: denied
    ("treatment-keyworker", "continuity-of-care", {"openReferralPathways": ["HEALTH"]}),  # referrals: denied
    ("housing-officer", "housing-referral", {"licenceConditionsInForceOn": "2026-11-24"}),  # licence: denied
    # victim services see exclusion zones only: a filter on any condition would tell them of the others
    ("victim-liaison", "victim-contact", {"licenceConditionsInForceOn": "2026-11-24"}),
])
async def test_a_filter_on_a_field_the_caller_may_not_read_is_refused(governed: Governed, role: str, purpose: str,
                                                                     f: dict[str, Any]) -> None:
    result = await governed.ask(PEOPLE, {"f": f}, role=role, purpose=purpose)
    assert codes(result) == ["FILTER_NOT_PERMITTED"] and result["data"] == {"people": None}
    assert result["errors"][0]["extensions"]["argument"] == next(iter(f))


@pytest.mark.parametrize("f", [
    {"offenceTypes": ["ROBBERY", "BURGLARY", "VIOLENCE", "DRUGS", "THEFT"]},
    {"releaseTypes": ["AUTOMATIC_CONDITIONAL", "PAROLE", "EARLY_RELEASE"]},
    {"dutyStages": ["NONE", "PREVENTION", "RELIEF"]},
    {"openReferralPathways": ["ACCOMMODATION", "HEALTH", "DRUGS_ALCOHOL"]},
    {"licenceConditionsInForceOn": "2026-11-24"},
])
async def test_police_filter_their_own_cohort_only(governed: Governed, tables: Tables, truth: GraphClient,
                                                   f: dict[str, Any]) -> None:
    # Police may read each of these fields for their IOM cohort only: the filter ranges over it alone.
    everyone = {e["node"]["id"] for e in (await truth.query(PEOPLE, {"f": f}))["data"]["people"]["edges"]}
    cohort = await tables.iom_cohort("iom-officer-001")
    found = await matched(governed, f, "police-iom-officer", "iom")
    assert found == everyone & cohort
    assert found and found < everyone


# ---- anyOf ------------------------------------------------------------------------------------------

async def test_any_of_is_the_union_within_the_other_criteria(governed: Governed, tables: Tables) -> None:
    robbery, parole = await tables.offence_types({"ROBBERY"}), await tables.release_types({"PAROLE"})
    branches = [{"offenceTypes": ["ROBBERY"]}, {"releaseTypes": ["PAROLE"]}]
    assert robbery - parole and parole - robbery  # a union worth checking
    union = await matched(governed, {"anyOf": branches}, "probation-practitioner", "daily-intel")
    assert union == robbery | parole
    high = await tables.ogrs(75, 99)
    within = await matched(governed, {"ogrsBands": ["HIGH"], "anyOf": branches}, "probation-practitioner",
                           "daily-intel")
    assert within == (robbery | parole) & high and within < union


async def test_the_cohort_scoping_question_in_one_query(governed: Governed, tables: Tables) -> None:
    # DOMAIN.md: "OGRS 50-74% with a robbery or burglary offence, or 75%+".
    scoping = {"anyOf": [{"ogrsBands": ["MEDIUM"], "offenceTypes": ["ROBBERY", "BURGLARY"]},
                         {"ogrsBands": ["HIGH"]}]}
    expected = (await tables.ogrs(50, 74) & await tables.offence_types({"ROBBERY", "BURGLARY"})) | \
        await tables.ogrs(75, 99)
    assert await matched(governed, scoping, "probation-practitioner", "iom") == expected
    # Police read risk and sentences for their own cohort only: both branches range over it alone.
    cohort = await tables.iom_cohort("iom-officer-001")
    police = await matched(governed, scoping, "police-iom-officer", "iom")
    assert police == expected & cohort and police
    # The README's query for it gives the same people.
    shown = re.search(r"`(people\(filter: \{anyOf: [^`]*\}\))`", README)
    assert shown is not None
    asked = shown.group(1).replace("})", "}, first: 500)")
    result = await governed.ask(f"{{ {asked} {{ totalCount }} }}", role="probation-practitioner", purpose="iom")
    assert result["data"]["people"]["totalCount"] == len(expected)


async def test_a_branch_narrows_only_itself(governed: Governed, tables: Tables) -> None:
    # Police read IOM cohorts of everyone, probation referrals of their own cohort only.
    f = {"anyOf": [{"iomCohorts": ["FIXED"]}, {"openReferralPathways": ["ACCOMMODATION"]}]}
    cohort = await tables.iom_cohort("iom-officer-001")
    fixed = await tables.people("police", "pncId", "SELECT pnc_id FROM nominal WHERE iom_cohort = 'fixed'")
    referred = await tables.open_referrals({"ACCOMMODATION"})
    assert fixed - cohort and referred - cohort - fixed  # people the police may not learn were referred
    assert await matched(governed, f, "police-iom-officer", "iom") == fixed | (referred & cohort)


async def test_one_refused_branch_refuses_the_query(governed: Governed) -> None:
    f = {"anyOf": [{"dutyStages": ["RELIEF"]}, {"offenceTypes": ["ROBBERY"]}]}
    result = await governed.ask(PEOPLE, {"f": f}, role="housing-officer", purpose="housing-referral")
    assert codes(result) == ["FILTER_NOT_PERMITTED"] and result["data"] == {"people": None}
    assert result["errors"][0]["extensions"]["argument"] == "anyOf[1].offenceTypes"


@pytest.mark.parametrize(("f", "says"), [
    ({"anyOf": [{"anyOf": [{"ogrsBands": ["HIGH"]}]}]}, "cannot hold an `anyOf`"),
    ({"anyOf": [{"ogrsBands": ["HIGH"]}] * (MAX_BRANCHES + 1)}, f"between 1 and {MAX_BRANCHES}"),
    ({"anyOf": []}, f"between 1 and {MAX_BRANCHES}"),
    ({"anyOf": [{"ogrsBands": ["HIGH"]}, {}]}, "`anyOf[1]` sets no criterion"),
    ({"anyOf": [{"offenceTypes": []}]}, "is empty"),
])
async def test_bad_any_of_is_bad_user_input(governed: Governed, f: dict[str, Any], says: str) -> None:
    result = await governed.ask(PEOPLE, {"f": f}, role="probation-practitioner", purpose="daily-intel")
    assert codes(result) == ["BAD_USER_INPUT"] and result["data"] == {"people": None}
    assert says in result["errors"][0]["message"]


@pytest.mark.parametrize("counted", [True, False])
async def test_any_of_pages_and_counts_exactly(governed: Governed, tables: Tables, counted: bool) -> None:
    # Without totalCount a broad filter's page is found by probing the next people in id order: an OR
    # must not be (it would be answered as the outer criteria alone).
    f = {"ogrsBands": ["LOW", "MEDIUM"], "anyOf": [{"offenceTypes": ["THEFT"]}, {"dutyStages": ["RELIEF"]}]}
    # probation reads housing's duty stage for its caseload only: that branch is narrowed to it
    caseload = await tables.people("probation", "crn",
                                   "SELECT crn FROM offender WHERE offender_manager_code = 'om-001'")
    expected = (await tables.offence_types({"THEFT"}) | (await tables.duty_stages({"RELIEF"}) & caseload)) & \
        await tables.ogrs(0, 74)
    query = ("query($f: PeopleFilter, $after: String) { people(first: 7, filter: $f, after: $after) { %s "
             "edges { node { id } } pageInfo { hasNextPage endCursor } } }") % ("totalCount" if counted else "")
    seen: list[str] = []
    after = None
    while True:
        page = (await governed.ask(query, {"f": f, "after": after}, role="probation-practitioner",
                                   purpose="daily-intel"))["data"]["people"]
        assert page.get("totalCount", len(expected)) == len(expected)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(expected) and len(seen) > 7


async def test_the_audit_accounts_for_every_branch(governed: Governed) -> None:
    f = {"ogrsBands": ["HIGH", "MEDIUM"], "anyOf": [{"offenceTypes": ["ROBBERY"]}, {"releaseTypes": ["PAROLE"]}]}
    query = "query($f: PeopleFilter) { people(first: 5, filter: $f) { totalCount edges { node { id } } } }"
    result = await governed.ask(query, {"f": f}, role="probation-practitioner", purpose="daily-intel")
    returned = {e["node"]["id"] for e in result["data"]["people"]["edges"]}
    assert returned
    e = (await governed.records())[-1].event
    read = {"ProbationRecord.ogrsBand", "ProbationRecord.sentences", "ProbationRecord.releaseType"}
    for person in returned:
        mine = e.about(person)
        assert mine is not None and read <= set(mine.disclosed)
    over = ("ogrsBands", "anyOf[0].offenceTypes", "anyOf[1].releaseTypes")
    assert [(a.kind, set(a.fields), a.over) for a in e.aggregates] == [("search", read, over),
                                                                       ("totalCount", read, over)]


# ---- the same answers on PostgreSQL -------------------------------------------------------------------

@pytest.fixture
async def on_postgres(tmp_path: Path, make_pg_database: Any) -> AsyncIterator[tuple[Governed, Tables]]:
    urls = {a.name: await make_pg_database(a.name) for a in AGENCIES}
    index_url = await make_pg_database("index")
    settings = sqlite_settings(tmp_path).model_copy(update=dict(agency_urls=urls, index_url=index_url))
    await seed_all(settings, people=200, seed=SEED, as_of=AS_OF)
    hub = Hub.open(settings)
    app = create_app(settings, hub=hub)
    truth_hub = Hub.open(settings)
    found = Tables(settings, GraphClient(create_app(settings, governance=False, hub=truth_hub)))
    await found.link()
    yield Governed(app, settings, hub), found
    await app.state.governance.audit.close()
    await hub.close()
    await truth_hub.close()


async def test_the_new_filters_on_postgresql(on_postgres: tuple[Governed, Tables]) -> None:
    governed, tables = on_postgres
    role = ("probation-practitioner", "daily-intel")
    checks: list[tuple[dict[str, Any], set[str]]] = [
        ({"offenceTypes": ["OTHER", "BURGLARY"]}, await tables.offence_types({"OTHER", "BURGLARY"})),
        ({"releaseTypes": ["PAROLE", "EARLY_RELEASE"]}, await tables.release_types({"PAROLE", "EARLY_RELEASE"})),
        ({"openReferralPathways": ["HEALTH"]}, await tables.open_referrals({"HEALTH"})),
        ({"licenceConditionsInForceOn": AS_OF.isoformat()}, await tables.licence_in_force(AS_OF)),
        ({"anyOf": [{"ogrsBands": ["MEDIUM"], "offenceTypes": ["ROBBERY", "BURGLARY"]}, {"ogrsBands": ["HIGH"]}]},
         (await tables.ogrs(50, 74) & await tables.offence_types({"ROBBERY", "BURGLARY"})) | await tables.ogrs(75, 99)),
    ]
    for f, expected in checks:
        assert expected, f
        assert await matched(governed, f, *role) == expected, f
    known = await matched(governed, {}, "housing-officer", "housing-referral")
    stages = await tables.duty_stages({"PREVENTION"}) & known
    assert stages and await matched(governed, {"dutyStages": ["PREVENTION"]}, "housing-officer",
                                    "housing-referral") == stages

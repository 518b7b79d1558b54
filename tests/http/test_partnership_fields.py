"""The fields the partnership's questions need (issue 19, item 2), over HTTP against the seeded tables.

Each expected value is worked out here with SQL on the agencies' own tables, never by the hub's code:
probation's release establishment, notice and MAPPA review date, its domestic-abuse register; treatment's
engagement within 21 days of the release prison healthcare handed over; police's offence group and
whether an arrest was proven. Then who may see them, and the synthetic story they are drawn from.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from connectors.registry import AGENCIES
from hub.cli.seeding import seed_all
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from policies.loader import PACKAGED, check_policy
from synthetic.london import ESTABLISHMENTS, WOMENS_ESTABLISHMENTS
from tests.conftest import AS_OF, PEOPLE, SEED, sqlite_settings
from tests.graph_client import GraphClient
from tests.http.conftest import Governed
from tests.http.seeded import GROUPS

PAGE = ("query($after: String) { people(first: 500, after: $after) { edges { node { id "
        "probation { releaseEstablishment releaseNoticeDays domesticAbusePerpetrator nextReviewDate "
        "licenceConditions { kind startsOn endsOn } } "
        "treatment { engagedWithin21DaysOfRelease } "
        "police { arrests { arrestedAt offence offenceGroup proven } } } } "
        "pageInfo { hasNextPage endCursor } } }")
#: victim-liaison-001's own domestic-abuse case (synthetic.population's guarantees)
VICTIMS_CASE = "H00000003"


async def sql(url: str, statement: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(statement))).all())
    finally:
        await engine.dispose()


def as_date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def as_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


async def linked(settings: Settings, scheme: str) -> dict[str, str]:
    """An agency's key -> the hub's person id, from the person index."""
    return {value: person for person, value in await sql(
        settings.index_url, f"SELECT person_id, value FROM person_link WHERE scheme = '{scheme}'")}


async def pages(client: GraphClient | Governed, **caller: Any) -> dict[str, dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        if isinstance(client, Governed):
            body = await client.ask(PAGE, {"after": after}, **caller)
        else:
            body = await client.query(PAGE, {"after": after})
        assert "errors" not in body or caller, body.get("errors")
        nodes |= {e["node"]["id"]: e["node"] for e in body["data"]["people"]["edges"]}
        if not body["data"]["people"]["pageInfo"]["hasNextPage"]:
            return nodes
        after = body["data"]["people"]["pageInfo"]["endCursor"]


async def latest_releases(settings: Settings) -> dict[str, tuple[date, str | None, date | None]]:
    """Per CRN, the latest release (date, establishment, day decided): the sentence with the latest release
    date, ties to the latest sentence."""
    found: dict[str, tuple[date, int, str | None, date | None]] = {}
    for crn, sentence_id, released, establishment, decided in await sql(
            settings.agency_url("probation"), "SELECT crn, sentence_id, release_date, release_establishment, "
            "release_decided_on FROM sentence WHERE release_date IS NOT NULL"):
        on = as_date(released)
        assert on is not None
        row = (on, sentence_id, establishment, as_date(decided))
        if crn not in found or row[:2] > found[crn][:2]:
            found[crn] = row
    return {crn: (r[0], r[2], r[3]) for crn, r in found.items()}


async def test_probation_release_and_register_fields_are_the_tables_values(
        governed: Governed, settings: Settings) -> None:
    crns = await linked(settings, "crn")
    releases = await latest_releases(settings)
    offenders = await sql(settings.agency_url("probation"),
                          "SELECT crn, domestic_abuse_perpetrator, mappa_level, mappa_next_review FROM offender")
    conditions: dict[str, list[tuple[str, date, date | None]]] = defaultdict(list)
    for crn, kind, starts, ends in await sql(settings.agency_url("probation"),
                                             "SELECT crn, kind, starts_on, ends_on FROM licence_condition"):
        conditions[crn].append((kind, as_date(starts), as_date(ends)))  # type: ignore[arg-type]
    # The probation practitioner's usual purpose: every probation field, no condition (the matrix's A).
    seen = await pages(governed, role="probation-practitioner", purpose="daily-intel")
    checked = 0
    for crn, perpetrator, level, review in offenders:
        record = seen[crns[crn]]["probation"]
        released, establishment, decided = releases.get(crn, (None, None, None))
        assert record["releaseEstablishment"] == establishment, crn
        notice = (released - decided).days if released and decided else None
        assert record["releaseNoticeDays"] == notice, crn
        assert record["domesticAbusePerpetrator"] is bool(perpetrator), crn
        assert as_date(record["nextReviewDate"]) == as_date(review), crn
        assert (level is None) == (record["nextReviewDate"] is None), crn
        assert sorted((c["kind"].lower(), as_date(c["startsOn"]), as_date(c["endsOn"]))
                      for c in record["licenceConditions"]) == sorted(conditions[crn]), crn
        checked += 1
    assert checked == len(offenders) > 200


async def test_engaged_within_21_days_of_release_is_worked_out_from_episodes_and_attended_appointments(
        truth: GraphClient, settings: Settings) -> None:
    url, today = settings.agency_url("treatment"), datetime.now(UTC).date()
    days: dict[str, list[date]] = defaultdict(list)
    for nhs, started in await sql(url, "SELECT nhs_number, started_on FROM episode"):
        days[nhs].append(as_date(started))  # type: ignore[arg-type]
    for nhs, at in await sql(url, "SELECT nhs_number, scheduled_at FROM appointment WHERE attended"):
        days[nhs].append(as_time(at).date())
    nhs_numbers, seen = await linked(settings, "nhsNumber"), await pages(truth)
    outcomes: dict[Any, int] = defaultdict(int)
    for nhs, released_on in await sql(url, "SELECT nhs_number, released_on FROM treatment_client"):
        released = as_date(released_on)
        expected = None
        if released is not None and released + timedelta(days=21) <= today:
            expected = any(released <= d <= released + timedelta(days=21) for d in days[nhs])
        assert seen[nhs_numbers[nhs]]["treatment"]["engagedWithin21DaysOfRelease"] is expected, nhs
        outcomes[expected] += 1
    assert outcomes[True] and outcomes[False] and outcomes[None], outcomes


async def test_treatment_holds_the_release_probation_holds_as_the_handover_recorded_it(settings: Settings) -> None:
    """For everyone in custody or on licence now, treatment's release is probation's latest one once it has
    happened (a planned release is not handed over yet). Earlier spells in custody were never handed over."""
    crns, nhs_numbers = await linked(settings, "crn"), await linked(settings, "nhsNumber")
    releases = await latest_releases(settings)
    current = {crns[crn]: releases[crn][0] for crn, status in await sql(
        settings.agency_url("probation"), "SELECT crn, custody_status FROM offender") if status != "community"}
    handed_over = {nhs_numbers[nhs]: as_date(on) for nhs, on in await sql(
        settings.agency_url("treatment"), "SELECT nhs_number, released_on FROM treatment_client")}
    both = set(handed_over) & set(current)
    assert len(both) > 30 and any(handed_over[p] for p in both) and not all(handed_over[p] for p in both)
    for person in both:
        released = current[person]
        assert handed_over[person] == (released if released < AS_OF else None), person


async def test_arrests_carry_the_offence_group_and_whether_proven(
        governed: Governed, settings: Settings) -> None:
    pnc_ids = await linked(settings, "pncId")
    expected: dict[str, list[tuple[str, str, bool | None]]] = defaultdict(list)
    for pnc, offence, outcome, convicted in await sql(
            settings.agency_url("police"), "SELECT pnc_id, offence, outcome, convicted FROM arrest"):
        proven = {"no_further_action": False, "caution": False, "charged": convicted, "remanded": convicted}.get(
            outcome)
        expected[pnc_ids[pnc]].append((offence, GROUPS[offence], None if proven is None else bool(proven)))
    seen = await pages(governed, role="police-iom-officer", purpose="iom")
    verdicts: dict[Any, int] = defaultdict(int)
    for person, arrests in expected.items():
        got = [(a["offence"], a["offenceGroup"], a["proven"]) for a in seen[person]["police"]["arrests"]]
        assert sorted(got, key=repr) == sorted(arrests, key=repr), person
        for _, _, proven in arrests:
            verdicts[proven] += 1
    assert verdicts[True] and verdicts[False] and verdicts[None], verdicts


async def test_victim_services_see_the_register_flag_for_their_own_case_and_not_the_release_detail(
        governed: Governed) -> None:
    query = ("query($id: ID!) { person(id: $id) { probation { domesticAbusePerpetrator releaseEstablishment "
             "releaseNoticeDays nextReviewDate } } }")
    body = await governed.ask(query, {"id": VICTIMS_CASE}, role="victim-liaison", purpose="victim-contact")
    record = body["data"]["person"]["probation"]
    assert record["domesticAbusePerpetrator"] is True
    # Victim services are told the release date and type and the exclusion zones, nothing else (DOMAIN.md).
    assert record["releaseEstablishment"] is None and record["releaseNoticeDays"] is None
    assert record["nextReviewDate"] is None
    assert sorted((e["path"][-1], e["extensions"]["code"]) for e in body["errors"]) == [
        ("nextReviewDate", "FIELD_NOT_SHARED"), ("releaseEstablishment", "FIELD_NOT_SHARED"),
        ("releaseNoticeDays", "FIELD_NOT_SHARED")]
    # The housing officer, even for their own people, is not told of the register.
    housing = await governed.ask(
        "query($id: ID!) { person(id: $id) { probation { custodyStatus domesticAbusePerpetrator } } }",
        {"id": "H00000001"}, role="housing-officer", purpose="housing-referral")
    record = housing["data"]["person"]["probation"]
    assert record["custodyStatus"] and record["domesticAbusePerpetrator"] is None
    assert {e["extensions"]["code"] for e in housing["errors"]} == {"FIELD_NOT_SHARED"}


async def test_the_synthetic_story_gives_short_notice_releases_establishments_and_review_dates(
        settings: Settings) -> None:
    releases = await latest_releases(settings)
    notices = [(released - decided).days for released, _, decided in releases.values() if decided is not None]
    assert min(notices) >= 0 and len(notices) > 50
    short = sum(n <= 20 for n in notices) / len(notices)
    assert 0.1 <= short <= 0.45, short  # a share of early releases at 0-20 days' notice
    # Whoever is released within 20 days has been told, at 0-20 days' notice.
    for released, _, decided in releases.values():
        if AS_OF < released <= AS_OF + timedelta(days=20):
            assert decided is not None and 0 <= (released - decided).days <= 20
    establishments = [e for _, e, _ in releases.values() if e is not None]
    assert set(establishments) <= set(ESTABLISHMENTS) and len(set(establishments)) >= 8
    assert len(establishments) == len(releases)  # every release is from somewhere
    # Women are held in the women's prisons, men elsewhere (sex as police record it, where they do).
    person_of_crn, person_of_pnc = await linked(settings, "crn"), await linked(settings, "pncId")
    sex = {person_of_pnc[pnc]: s for pnc, s in await sql(settings.agency_url("police"),
                                                         "SELECT pnc_id, sex FROM nominal")}
    held = {(sex[person_of_crn[crn]], e in WOMENS_ESTABLISHMENTS)
            for crn, (_, e, _) in releases.items() if person_of_crn[crn] in sex}
    assert held == {("F", True), ("M", False)}
    current = await sql(settings.agency_url("probation"),
                        "SELECT o.custody_status, s.release_establishment FROM offender o JOIN sentence s "
                        f"ON s.crn = o.crn WHERE s.release_date >= '{AS_OF - timedelta(days=700)}'")
    assert current and all(e in ESTABLISHMENTS for status, e in current if status != "community")
    for level, review in await sql(settings.agency_url("probation"),
                                   "SELECT mappa_level, mappa_next_review FROM offender"):
        if level is None:
            assert review is None
        else:
            ahead = (as_date(review) - AS_OF).days  # type: ignore[operator]
            assert 1 <= ahead <= (91 if level == 1 else 30), (level, review)
    unflagged = await sql(settings.agency_url("probation"),
                          "SELECT v.crn FROM victim_case v JOIN offender o ON o.crn = v.crn "
                          "WHERE v.domestic_abuse AND NOT o.domestic_abuse_perpetrator")
    assert unflagged == []


async def test_postgresql_answers_the_new_fields_as_sqlite_does(
        settings: Settings, truth: GraphClient, tmp_path: Path, make_pg_database: Any) -> None:
    """The engagement window is date arithmetic written per dialect: both must agree, value for value."""
    urls = {a.name: await make_pg_database(a.name) for a in AGENCIES}
    pg_settings = sqlite_settings(tmp_path / "pg").model_copy(
        update=dict(agency_urls=urls, index_url=await make_pg_database("index")))
    await seed_all(pg_settings, people=PEOPLE, seed=SEED, as_of=AS_OF)
    hub = Hub.open(pg_settings)
    try:
        on_pg = await pages(GraphClient(create_app(pg_settings, governance=False, hub=hub)))
    finally:
        await hub.close()
    on_lite = await pages(truth)
    assert on_pg == on_lite
    engaged = [n["treatment"]["engagedWithin21DaysOfRelease"] for n in on_pg.values() if n["treatment"]]
    assert True in engaged and False in engaged


def test_the_shipped_policy_checks_clean() -> None:
    policy, problems = check_policy(Path(PACKAGED))
    assert policy is not None and problems == []

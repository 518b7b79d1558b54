"""Use case 3: who is in scope of IOM, and who lives where (the City of London's review, in one query)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.core.boroughs import Borough
from tests.http.conftest import Governed
from tests.http.seeded import Seeded, as_date, as_datetime
from tests.http.use_cases import readme

NO_FIXED_ABODE = ("nfa", "rough_sleeping")


async def test_iom_scoping_by_ogrs_band_and_offence(governed: Governed, seeded: Seeded) -> None:
    found: dict[str, Any] = {}
    after = None
    while True:
        page = (await readme.ask(governed, "3", {"after": after}))["people"]
        found.update((e["node"]["id"], e["node"]) for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert page["totalCount"] == len(found)

    scores = {seeded.ids["crn"][crn]: score for crn, score in await seeded.rows(
        "probation", "SELECT crn, ogrs_score FROM offender") if crn in seeded.ids["crn"]}
    groups = {seeded.ids["crn"][crn]: g for crn, g in (await seeded.latest_offence_group()).items()
              if crn in seeded.ids["crn"]}
    expected = {p for p, score in scores.items()
                if score >= 75 or (50 <= score < 75 and groups.get(p) in ("ROBBERY", "BURGLARY"))}
    assert set(found) == expected
    assert {p for p in expected if scores[p] < 75}, "no medium-band robber or burglar: the seed changed"
    for person, node in found.items():
        assert node["probation"]["ogrsScore"] == scores[person]


def reoffended_within_a_year(released: Any, arrests: list[tuple[datetime, bool | None]]) -> bool:
    """A proven offence (charged and convicted) committed within 12 months after the release."""
    if released is None:
        return False
    start = datetime.combine(released, datetime.min.time(), tzinfo=UTC)
    return any(proven is True and start <= at < start + timedelta(days=365) for at, proven in arrests)


def review(nodes: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """The City of London review's tally, read off the one query's answer as a partner would."""
    tally: dict[str, Counter[str]] = {"lives in": Counter(), "no fixed abode, last in": Counter(),
                                      "open referrals": Counter(), "reoffended": Counter()}
    for node in nodes:
        housing, probation = node["housing"], node["probation"]
        if housing is not None:
            if housing["borough"] is not None:
                tally["lives in"][housing["borough"]] += 1
            else:
                tally["no fixed abode, last in"][housing["lastKnownBorough"]] += 1
        if probation is not None:
            tally["open referrals"].update(r["pathway"].lower() for r in probation["referrals"] if r["open"])
            released = probation["releaseDate"] and datetime.fromisoformat(probation["releaseDate"]).date()
            arrests = [(datetime.fromisoformat(a["arrestedAt"]).replace(tzinfo=UTC), a["proven"])
                       for a in (node["police"] or {}).get("arrests") or []]
            tally["reoffended"]["yes" if reoffended_within_a_year(released, arrests) else "no"] += 1
    return tally


async def test_the_city_of_london_review_in_one_query(governed: Governed, seeded: Seeded) -> None:
    data = await readme.ask(governed, "3b")
    nodes = [e["node"] for e in data["people"]["edges"]]
    cohort = await seeded.iom_cohort("iom-officer-001")
    assert {n["id"] for n in nodes} == cohort and data["people"]["totalCount"] == len(cohort)

    # The same tally from the agencies' own rows.
    housing = await seeded.by_person("housing", "housingReference",
                                     "SELECT housing_ref, borough, accommodation_status FROM housing_client")
    referrals = await seeded.by_person("probation", "crn", "SELECT crn, pathway FROM referral WHERE open")
    offenders = await seeded.people("probation", "crn", "SELECT crn FROM offender")
    releases = await seeded.latest_releases()
    # Proven: charged (or remanded) and convicted; never for no further action or a caution.
    arrests = await seeded.by_person("police", "pncId", "SELECT pnc_id, arrested_at, outcome, convicted FROM arrest")
    expected: dict[str, Counter[str]] = {"lives in": Counter(), "no fixed abode, last in": Counter(),
                                         "open referrals": Counter(), "reoffended": Counter()}
    for person in cohort:
        for _, borough, status in housing.get(person, []):
            expected["no fixed abode, last in" if status in NO_FIXED_ABODE else "lives in"][Borough(borough).name] += 1
        if person in offenders:
            expected["open referrals"].update(pathway for _, pathway in referrals.get(person, []))
            released = as_date(releases[person].release_date) if person in releases else None
            proven = [(as_datetime(at).replace(tzinfo=UTC),
                       bool(convicted) if outcome in ("charged", "remanded") and convicted is not None else
                       False if outcome in ("no_further_action", "caution") else None)
                      for _, at, outcome, convicted in arrests.get(person, [])]
            expected["reoffended"]["yes" if reoffended_within_a_year(released, proven) else "no"] += 1
    assert review(nodes) == expected, expected
    assert expected["no fixed abode, last in"] and expected["open referrals"] and expected["reoffended"]["yes"], \
        "the seed lost its NFA cases, referrals or reoffending"

"""Use case 7: a housing officer's Duty to Refer cases, with the duty stage, referrals and placements."""

from __future__ import annotations

from collections import Counter

from tests.http.conftest import Governed
from tests.http.seeded import Seeded, as_date
from tests.http.use_cases import readme
from tests.http.use_cases.conftest import housing_officers_people


def day(value: object) -> str | None:
    found = as_date(value)
    return str(found) if found is not None else None


async def test_duty_to_refer_cases_at_a_duty_stage(governed: Governed, seeded: Seeded) -> None:
    data = await readme.ask(governed, "7")
    at_a_stage = await seeded.people("housing", "housingReference",
                                     "SELECT housing_ref FROM housing_client WHERE duty_stage <> 'none'")
    expected = at_a_stage & await housing_officers_people(seeded, "housing-officer-001")
    assert expected, "no one of housing-officer-001's at a duty stage: the seed changed"
    clients = await seeded.by_person("housing", "housingReference",
                                     "SELECT housing_ref, duty_stage, accommodation_status FROM housing_client")
    referrals = await seeded.by_person("housing", "housingReference",
                                       "SELECT housing_ref, referred_on, referring_agency, status FROM duty_to_refer")
    placements = await seeded.by_person("housing", "housingReference",
                                        "SELECT housing_ref, kind, provider, starts_on, ends_on FROM placement")

    nodes = {e["node"]["id"]: e["node"] for e in data["people"]["edges"]}
    assert set(nodes) == expected and data["people"]["totalCount"] == len(expected)
    for person, node in nodes.items():
        housing = node["housing"]
        _, stage, status = clients[person][0]
        assert (housing["dutyStage"], housing["accommodationStatus"]) == (stage.upper(), status.upper())
        assert Counter((r["referredOn"], r["referringAgency"], r["status"]) for r in housing["dutyToRefer"]) == \
            Counter((day(on), agency, status.upper()) for _, on, agency, status in referrals.get(person, []))
        assert Counter((p["kind"], p["provider"], p["startsOn"], p["endsOn"]) for p in housing["placements"]) == \
            Counter((kind.upper(), provider, day(starts), day(ends))
                    for _, kind, provider, starts, ends in placements.get(person, []))
    assert any(n["housing"]["dutyToRefer"] for n in nodes.values())
    assert any(n["housing"]["placements"] for n in nodes.values())

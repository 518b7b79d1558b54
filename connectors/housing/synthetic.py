"""Synthetic housing records: clients with accommodation status and duty stage, Duty to Refer, placements."""

from __future__ import annotations

from datetime import timedelta

from synthetic.identifiers import postcode
from synthetic.london import BOROUGHS, HOUSING_PROVIDERS, STREET_NAMES
from synthetic.population import Batch, Stream, SyntheticPerson, staff_ids

ACCOMMODATION = ("settled", "transient", "approved_premises", "temporary", "nfa", "rough_sleeping")
ACCOMMODATION_WEIGHTS = (50, 12, 8, 12, 12, 6)
PLACEMENT_PROVIDER = {"transitional": 0, "approved_premises": 1, "supported": 2, "temporary": 3}


def housing_officers(people: int) -> tuple[str, ...]:
    return staff_ids("housing-officer", people // 100)


class HousingSynthesiser:
    def staff(self, stream: Stream, out: Batch) -> None:
        """Housing officers are named by id only in the housing system's client rows."""

    def person(self, person: SyntheticPerson, stream: Stream, out: Batch) -> None:
        rng, i = stream.rng, person.index
        if not (person.complete or rng.random() < 0.45):
            return
        ref = stream.mint.housing_reference()
        person.links.append(("housingReference", ref))
        status = "settled" if i == 0 else rng.choices(ACCOMMODATION, ACCOMMODATION_WEIGHTS)[0]
        uprn = address = code = None
        if status not in ("nfa", "rough_sleeping"):  # NFA cases keep their last borough, not an address
            code = postcode(rng, rng.choice(BOROUGHS[person.borough][1]))
            uprn = stream.mint.uprn()
            address = f"{rng.randint(1, 240)} {rng.choice(STREET_NAMES)}"
            if status in ("temporary", "approved_premises", "transient"):
                address = f"Flat {rng.randint(1, 40)}, {address}"
        if status == "settled":
            stage = rng.choices(("none", "prevention"), (85, 15))[0]
        else:
            stage = rng.choices(("prevention", "relief", "main_duty", "none"), (30, 35, 25, 10))[0]
        officers = housing_officers(stream.people)
        out.add("housing", "housing_client", {
            "housing_ref": ref, **person.identity, "uprn": uprn, "address_line": address, "postcode": code,
            "borough": person.borough, "accommodation_status": status, "status_since": stream.days(-800, -1),
            "duty_stage": stage, "housing_officer_id": officers[i % len(officers)],
        })
        for _ in range(rng.choices((0, 1, 2), (45, 45, 10))[0]):
            out.add("housing", "duty_to_refer", {
                "referral_id": stream.next_id("duty_to_refer"), "housing_ref": ref,
                "referred_on": stream.days(-500, 0),
                "referring_agency": rng.choices(("probation", "prison", "police", "hospital", "jobcentre"),
                                                (50, 30, 8, 7, 5))[0],
                "status": rng.choices(("received", "accepted", "closed"), (25, 45, 30))[0],
            })
        if status in ("approved_premises", "temporary", "transient") or rng.random() < 0.1:
            kind = {"approved_premises": "approved_premises", "temporary": "temporary"}.get(
                status, rng.choice(("transitional", "supported")))
            starts = stream.days(-200, 0)
            # Transitional accommodation lasts up to 12 weeks.
            length = 84 if kind == "transitional" else rng.randint(30, 365)
            out.add("housing", "placement", {
                "placement_id": stream.next_id("placement"), "housing_ref": ref, "kind": kind,
                "provider": f"{person.borough} {HOUSING_PROVIDERS[PLACEMENT_PROVIDER[kind]]}", "starts_on": starts,
                "ends_on": starts + timedelta(days=length) if rng.random() < 0.8 else None,
            })

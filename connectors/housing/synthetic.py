"""Synthetic housing records: clients with their accommodation history (status spells, the current one the
client's status), duty stage, Duty to Refer, and placements (each a spell of its kind)."""

from __future__ import annotations

from datetime import date, timedelta

from connectors.housing.history import DrawnSpell, history
from synthetic.identifiers import postcode
from synthetic.london import BOROUGHS, HOUSING_PROVIDERS, STREET_NAMES
from synthetic.population import Batch, Stream, SyntheticPerson, staff_ids

#: Share of people housing holds a record of: most people released from or held in custody (prisons refer
#: them under the Duty to Refer, and probation before release), fewer of those supervised in the community.
KNOWN_AFTER_CUSTODY = 0.7
KNOWN_OTHERWISE = 0.45
#: Well-known people's status today: person 0 settled; person 2 (on licence) in approved premises.
TODAY = {0: ("settled", None), 2: ("approved_premises", "approved_premises")}
PLACEMENT_PROVIDER = {"transitional": 0, "approved_premises": 1, "supported": 2, "temporary": 3}


def housing_officers(people: int) -> tuple[str, ...]:
    return staff_ids("housing-officer", people // 100)


class HousingSynthesiser:
    def staff(self, stream: Stream, out: Batch) -> None:
        """Housing officers are named by id only in the housing system's client rows."""

    def person(self, person: SyntheticPerson, stream: Stream, out: Batch) -> None:
        rng, i = stream.rng, person.index
        share = KNOWN_AFTER_CUSTODY if person.custody in ("custody", "licence") else KNOWN_OTHERWISE
        if not (person.complete or rng.random() < share):
            return
        ref = stream.mint.housing_reference()
        person.links.append(("housingReference", ref))
        spells = history(rng, stream.as_of, person.released_on)
        if i in TODAY:  # examples and tests rely on these
            begin_today(spells, stream.as_of, *TODAY[i])
        status = spells[-1].status
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
            "borough": person.borough, "accommodation_status": status, "status_since": spells[-1].starts_on,
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
        for spell in spells:
            out.add("housing", "accommodation_spell", {
                "spell_id": stream.next_id("accommodation_spell"), "housing_ref": ref, "status": spell.status,
                "starts_on": spell.starts_on, "ends_on": spell.ends_on,
            })
        for spell in spells:
            if spell.placement is not None:
                out.add("housing", "placement", {
                    "placement_id": stream.next_id("placement"), "housing_ref": ref, "kind": spell.placement,
                    "provider": f"{person.borough} {HOUSING_PROVIDERS[PLACEMENT_PROVIDER[spell.placement]]}",
                    "starts_on": spell.starts_on, "ends_on": spell.ends_on,
                })


def begin_today(spells: list[DrawnSpell], today: date, status: str, placement: str | None) -> None:
    """Makes the open spell ``status``: as it is, or a spell begun yesterday after the one before."""
    last = spells[-1]
    if last.status != status:
        yesterday = today - timedelta(days=1)
        if last.starts_on >= yesterday:
            spells[-1] = DrawnSpell(status, last.starts_on, None, placement)
        else:
            last.ends_on = yesterday - timedelta(days=1)
            spells.append(DrawnSpell(status, yesterday, None, placement))

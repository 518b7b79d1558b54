"""Synthetic treatment records: clients, consent to share, episodes, OST, requirements, appointments."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from synthetic.london import ESTABLISHMENTS, PRESCRIBERS, TREATMENT_SERVICES
from synthetic.population import Batch, Stream, SyntheticPerson, staff_ids

SUBSTANCES = ("opiates", "crack", "cocaine", "alcohol", "cannabis", "benzodiazepines", "other")
SUBSTANCE_WEIGHTS = (30, 20, 12, 22, 10, 3, 3)
#: Released people seen for a community appointment after the prison handover, and how soon (days).
SEEN_AFTER_RELEASE, SEEN_WITHIN = 0.65, 40
#: agencies a client may consent to share with, and how often they do
CONSENTS = (("probation", 0.75), ("police", 0.25), ("housing", 0.4))


#: Prison healthcare keeps a released client through the handover to community prescribing for this long.
HANDOVER = timedelta(days=28)


def keyworkers(people: int) -> tuple[str, ...]:
    return staff_ids("keyworker", people // 80)


def prison_healthcare_team(establishment: str) -> str:
    """Each establishment's healthcare team, numbered in ESTABLISHMENTS order (``prison-healthcare-001``...)."""
    return f"prison-healthcare-{list(ESTABLISHMENTS).index(establishment) + 1:03d}"


def in_prison_care(person: SyntheticPerson, as_of: date) -> str | None:
    """The team caring for a client in custody, or released within the handover; None in the community."""
    if person.establishment is None or person.released_on is None or person.released_on < as_of - HANDOVER:
        return None
    return prison_healthcare_team(person.establishment)


class TreatmentSynthesiser:
    def staff(self, stream: Stream, out: Batch) -> None:
        """Keyworkers are named by id only in the treatment system's client rows."""

    def person(self, person: SyntheticPerson, stream: Stream, out: Batch) -> None:
        rng, i = stream.rng, person.index
        if not (person.complete or rng.random() < (0.6 if person.offence_kind in ("drugs", "acquisitive") else 0.25)):
            return
        nhs = stream.mint.nhs_number()
        person.links.append(("nhsNumber", nhs))
        workers = keyworkers(stream.people)
        # Prison healthcare hands over a past release; a planned one is not the service's yet.
        released = person.released_on if person.released_on is not None and person.released_on < stream.as_of else None
        out.add("treatment", "treatment_client", {
            "nhs_number": nhs, **person.identity, "service": f"{person.borough} {rng.choice(TREATMENT_SERVICES)}",
            "keyworker_id": workers[i % len(workers)], "released_on": released,
            "prison_healthcare_team": in_prison_care(person, stream.as_of),
        })
        for agency, chance in CONSENTS:
            if agency == "probation" and i in (0, 1):
                chance = 1.0 if i == 0 else 0.0
            if rng.random() < chance:
                withdrawn = stream.days(-60, -1) if rng.random() < 0.08 and i != 0 else None
                out.add("treatment", "consent", {
                    "consent_id": stream.next_id("consent"), "nhs_number": nhs, "share_with": agency,
                    "recorded_on": stream.days(-700, -61), "withdrawn_on": withdrawn,
                })
        substance = "opiates" if person.offence_kind == "drugs" and rng.random() < 0.5 else \
            rng.choices(SUBSTANCES, SUBSTANCE_WEIGHTS)[0]
        episodes = rng.choices((1, 2, 3), (60, 30, 10))[0]
        start = stream.days(-1500, -800)
        for n in range(episodes):
            current = n == episodes - 1
            ended = None if current and rng.random() < 0.7 else start + timedelta(days=rng.randint(30, 300))
            out.add("treatment", "episode", {
                "episode_id": stream.next_id("episode"), "nhs_number": nhs,
                "substance": substance if current else rng.choices(SUBSTANCES, SUBSTANCE_WEIGHTS)[0],
                "started_on": start, "ended_on": ended,
                "discharge_reason": None if ended is None else rng.choice(
                    ("completed", "dropped_out", "transferred", "in_custody", "declined")),
            })
            if current and substance == "opiates" and rng.random() < 0.7:
                medication = rng.choices(("methadone", "buprenorphine"), (70, 30))[0]
                dose = rng.randrange(30, 121, 5) if medication == "methadone" else rng.randrange(4, 25, 2)
                out.add("treatment", "ost_prescription", {
                    "prescription_id": stream.next_id("ost_prescription"), "nhs_number": nhs,
                    "medication": medication, "daily_dose_mg": dose, "prescriber": rng.choice(PRESCRIBERS),
                    "started_on": start, "ended_on": ended,
                })
            start = (ended or start) + timedelta(days=rng.randint(20, 200))
            start = min(start, stream.as_of - timedelta(days=10))
        if rng.random() < 0.3:
            kind = "ATR" if substance == "alcohol" else rng.choices(("DRR", "MHTR"), (85, 15))[0]
            starts = stream.days(-300, -10)
            out.add("treatment", "treatment_requirement", {
                "requirement_id": stream.next_id("treatment_requirement"), "nhs_number": nhs, "kind": kind,
                "starts_on": starts, "ends_on": starts + timedelta(days=rng.choice((180, 270, 365))),
            })
        if released is not None:
            self._after_release(stream, out, nhs, released)
        for _ in range(rng.randint(1, 5)):
            day = stream.days(-60, 30)
            out.add("treatment", "appointment", {
                "appointment_id": stream.next_id("appointment"), "nhs_number": nhs,
                "scheduled_at": datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 15, 30, 45)))),
                "kind": rng.choice(("assessment", "keywork", "prescribing", "review")),
                "attended": None if day >= stream.as_of else rng.random() < 0.7,
            })

    @staticmethod
    def _after_release(stream: Stream, out: Batch, nhs: str, released: date) -> None:
        """The community appointment the handover asks for; drawn from a stream of the client's own
        (seeded by the NHS number), so adding it left the rest of treatment's data as it was."""
        rng = random.Random(f"treatment-after-release:{nhs}")
        if rng.random() >= SEEN_AFTER_RELEASE:
            return
        day = released + timedelta(days=rng.randint(0, SEEN_WITHIN))
        out.add("treatment", "appointment", {
            "appointment_id": stream.next_id("appointment"), "nhs_number": nhs,
            "scheduled_at": datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 15, 30, 45)))),
            "kind": rng.choice(("assessment", "prescribing")),
            "attended": None if day >= stream.as_of else rng.random() < 0.75,
        })

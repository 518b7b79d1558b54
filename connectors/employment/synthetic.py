"""Synthetic employment records: prison leavers and others with a work coach, ETE referrals and jobs."""

from __future__ import annotations

from datetime import date, timedelta

from connectors.employment.identifiers import FIRST, NOT_ISSUED, SECOND
from synthetic.identifiers import phone
from synthetic.london import BOROUGHS
from synthetic.population import Batch, Stream, SyntheticPerson, staff_ids
from synthetic.staff import staff_name

STATUSES = ("employed", "self_employed", "unemployed_claiming", "not_seeking")
STATUS_WEIGHTS = (25, 8, 52, 15)
EMPLOYERS = ("Thames Logistics", "Southbank Catering", "City Build Ltd", "Green Spaces Landscaping",
             "Metro Cleaning Services", "Riverside Warehousing", "Eastside Recycling", "London Fresh Foods")


def advisers(people: int) -> tuple[str, ...]:
    """About 120 people per work coach."""
    return staff_ids("employment-adviser", people // 120)


def ni_number(stream: Stream) -> str:
    def make() -> str | None:
        prefix = stream.rng.choice(FIRST) + stream.rng.choice(SECOND)
        if prefix in NOT_ISSUED:
            return None
        return f"{prefix}{stream.rng.randrange(1_000_000):06d}{stream.rng.choice('ABCD')}"

    return stream.mint.unique(make)


class EmploymentSynthesiser:
    def staff(self, stream: Stream, out: Batch) -> None:
        boroughs = list(BOROUGHS)
        for adviser in advisers(stream.people):
            out.add("employment", "employment_adviser", {
                "adviser_id": adviser, "name": staff_name(stream.rng),
                "office": f"{stream.rng.choice(boroughs)} Jobcentre", "phone": phone(stream.rng)})

    def person(self, person: SyntheticPerson, stream: Stream, out: Batch) -> None:
        rng, i = stream.rng, person.index
        # Prison leavers meet a work coach; others come through a claim or a probation referral.
        released = person.released_on if person.released_on is not None and person.released_on < stream.as_of else None
        if not (person.complete or rng.random() < (0.7 if released else 0.3)):
            return
        ni = ni_number(stream)
        person.links.append(("niNumber", ni))
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        coaches = advisers(stream.people)
        out.add("employment", "employment_client", {
            "ni_number": ni, **person.identity, "status": status, "status_since": stream.days(-400, -1),
            "adviser_id": coaches[i % len(coaches)], "released_on": released,
        })
        for _ in range(rng.choices((0, 1, 2), (40, 45, 15))[0]):
            referred = stream.days(-300, -1)
            state = rng.choices(("open", "started", "closed"), (35, 40, 25))[0]
            out.add("employment", "ete_referral", {
                "referral_id": stream.next_id("ete_referral"), "ni_number": ni,
                "kind": rng.choice(("education", "training", "employment")), "referred_on": referred,
                "started_on": referred + timedelta(days=rng.randint(7, 60)) if state == "started" else None,
                "status": state,
            })
        if status in ("employed", "self_employed") or rng.random() < 0.2:
            self._job(stream, out, ni, released, current=status in ("employed", "self_employed"))

    @staticmethod
    def _job(stream: Stream, out: Batch, ni: str, released: date | None, *, current: bool) -> None:
        rng = stream.rng
        # After a release, work starts (if at all) within weeks to months of it.
        starts = released + timedelta(days=rng.randint(3, 150)) if released else stream.days(-500, -20)
        starts = min(starts, stream.as_of - timedelta(days=1))
        ends = None if current else starts + timedelta(days=rng.randint(20, 200))
        out.add("employment", "job", {
            "job_id": stream.next_id("job"), "ni_number": ni, "employer": rng.choice(EMPLOYERS),
            "starts_on": starts, "ends_on": ends if ends is None or ends < stream.as_of else None,
            "hours_per_week": rng.choice((16, 20, 25, 30, 37, 40)),
        })

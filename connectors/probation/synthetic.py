"""Synthetic probation records: offenders with risk and supervision, sentences, licences, referrals, victims."""

from __future__ import annotations

import random
from datetime import date, timedelta

from synthetic.identifiers import phone
from synthetic.london import BOROUGHS, PROBATION_TEAMS, establishments_for
from synthetic.population import Batch, Row, Stream, SyntheticPerson, staff_ids
from synthetic.staff import staff_name

PATHWAYS = ("accommodation", "education_training_employment", "health", "drugs_alcohol", "finance_benefit_debt",
            "children_families", "attitudes_thinking_behaviour")
RELEASE_TYPES = ("automatic_conditional", "home_detention_curfew", "early_release", "parole")
RELEASE_TYPE_WEIGHTS = (60, 15, 20, 5)
#: Days to the next MAPPA review: level 1 is reviewed quarterly, levels 2 and 3 at monthly meetings.
MAPPA_REVIEW_WITHIN = {1: 91, 2: 30, 3: 30}
#: Share of people not convicted of a domestic offence now who are registered perpetrators from earlier ones.
EARLIER_DOMESTIC_ABUSE = 0.06
#: Share of earlier (completed) sentences' releases decided 0-20 days ahead.
EARLIER_SHORT_NOTICE = 0.05


def offender_managers(people: int) -> tuple[str, ...]:
    """About 40 cases per offender manager."""
    return staff_ids("om", people // 40)


def victim_liaison(people: int) -> tuple[str, ...]:
    return staff_ids("victim-liaison", people // 500)


def mappa_coordinators(people: int) -> tuple[str, ...]:
    """About one per 2,000 people, never more than there are boroughs (each covers at least one)."""
    return staff_ids("mappa-coordinator", min(len(BOROUGHS), people // 2000))


def mappa_coordinator(borough: str, people: int) -> str:
    """The coordinator whose MAPPA area (a group of boroughs, in BOROUGHS order) the person lives in."""
    coordinators = mappa_coordinators(people)
    return coordinators[list(BOROUGHS).index(borough) % len(coordinators)]


def _earlier_release(crn: str, sentence_id: int, released: date, sex: str) -> Row:
    """Where an earlier, completed sentence was served and how far ahead its release was known: drawn from
    a stream of the sentence's own, so adding it left the rest of probation's data as it was. Before the
    early release schemes, releases were known well ahead."""
    rng = random.Random(f"probation-earlier-release:{crn}:{sentence_id}")
    notice = rng.randint(0, 20) if rng.random() < EARLIER_SHORT_NOTICE else rng.randint(21, 120)
    return {"release_establishment": rng.choices(*establishments_for(sex))[0],
            "release_decided_on": released - timedelta(days=notice)}


class ProbationSynthesiser:
    def staff(self, stream: Stream, out: Batch) -> None:
        boroughs = list(BOROUGHS)
        for code in offender_managers(stream.people):
            name, borough = staff_name(stream.rng), stream.rng.choice(boroughs)
            out.add("probation", "offender_manager", {
                "staff_code": code, "name": name, "team": f"{borough} {stream.rng.choice(PROBATION_TEAMS)}",
                "borough": borough, "email": name.lower().replace(" ", ".").replace("'", "") + "@probation.example.org",
                "phone": phone(stream.rng)})

    def person(self, person: SyntheticPerson, stream: Stream, out: Batch) -> None:
        if not person.on_probation:
            return
        rng, i = stream.rng, person.index
        crn = stream.mint.crn()
        person.links.append(("crn", crn))
        status = person.custody or "community"
        prison_number = None
        if status != "community" or rng.random() < 0.3:
            prison_number = stream.mint.prison_number()
            person.links.append(("prisonNumber", prison_number))
        rosh = rng.choices(("low", "medium", "high", "very_high"), (30, 45, 20, 5))[0]
        band = "A" if person.ogrs >= 75 or rosh in ("high", "very_high") else "B" if person.ogrs >= 50 else \
            rng.choice("CD")
        managers = offender_managers(stream.people)
        # Drawn per person from a stream of its own (seeded by the CRN, itself drawn from the seed), so
        # these later additions left the rest of probation's data as it was.
        extra = random.Random(f"probation-registers:{crn}")
        review = None
        if person.mappa_level is not None:
            review = stream.as_of + timedelta(days=extra.randint(1, MAPPA_REVIEW_WITHIN[person.mappa_level]))
        # Every victim case below is a domestic-abuse case: its offender is always on the register.
        perpetrator = i == 2 or person.offence_kind == "domestic" or extra.random() < EARLIER_DOMESTIC_ABUSE
        out.add("probation", "offender", {
            # Probation holds the PNC ID as it was given to it.
            "crn": crn, "pnc_id": person.pnc_id, "prison_number": prison_number, **person.identity,
            "tier": f"{band}{rng.randint(1, 3)}", "ogrs_score": person.ogrs, "rosh_level": rosh,
            "mappa_category": person.mappa_category, "mappa_level": person.mappa_level, "custody_status": status,
            "offender_manager_code": managers[i % len(managers)], "mappa_next_review": review,
            # Level 1 cases are on the area coordinator's review list; levels 2 and 3 go to the multi-agency
            # meetings instead. Drawn from the person's story alone, so no one else's data moved.
            "mappa_coordinator_id": mappa_coordinator(person.borough, stream.people)
            if person.mappa_level == 1 else None,
            "domestic_abuse_perpetrator": perpetrator,
        })
        self._sentences(stream, out, crn, status, person)
        if status != "community" or rng.random() < 0.2:
            self._licence_conditions(stream, out, crn, force_exclusion=i == 2)
        for pathway in rng.sample(PATHWAYS, rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]):
            out.add("probation", "referral", {
                "referral_id": stream.next_id("referral"), "crn": crn, "pathway": pathway,
                "referred_on": stream.days(-400, 0), "open": rng.random() < 0.55,
            })
        if i == 2 or (person.offence_kind == "domestic" and rng.random() < 0.6):
            officers = victim_liaison(stream.people)
            n = stream.next_id("victim_case")
            out.add("probation", "victim_case", {
                "case_id": n, "crn": crn, "liaison_officer_id": officers[0 if i == 2 else (n - 1) % len(officers)],
                "scheme": rng.choice(("victim_contact_scheme", "vawg")), "domestic_abuse": True,
                "opened_on": stream.days(-900, -30),
            })

    @staticmethod
    def _sentences(stream: Stream, out: Batch, crn: str, status: str, person: SyntheticPerson) -> None:
        rng, offence, release = stream.rng, person.offence, person.released_on
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):  # earlier, completed sentences
            sentenced = stream.days(-3650, -1200)
            months = rng.choice((6, 9, 12, 18, 24))
            sentence_id, released = stream.next_id("sentence"), sentenced + timedelta(days=months * 15)
            out.add("probation", "sentence", {
                "sentence_id": sentence_id, "crn": crn, "kind": "custodial", "offence": offence,
                "sentenced_on": sentenced, "length_months": months,
                "release_date": released, "release_type": "automatic_conditional",
                "licence_end_date": sentenced + timedelta(days=months * 30), "recalled_on": None,
                "breached_on": None, **_earlier_release(crn, sentence_id, released, person.sex),
            })
        months = rng.choice((6, 12, 18, 24, 36, 48))
        row: Row = {"sentence_id": stream.next_id("sentence"), "crn": crn, "offence": offence,
                    "length_months": months, "release_date": None, "release_type": None,
                    "licence_end_date": None, "recalled_on": None, "breached_on": None,
                    "release_establishment": person.establishment if release is not None else None,
                    "release_decided_on": person.release_decided_on if release is not None else None}
        if status == "community":
            row.update(kind=rng.choice(("community_order", "suspended_sentence")), sentenced_on=stream.days(-700, -10))
            if rng.random() < 0.12:
                row["breached_on"] = stream.days(-60, 0)
        elif status == "custody" and release is not None:
            row.update(kind="custodial", sentenced_on=release - timedelta(days=months * 15),
                       release_date=release, licence_end_date=release + timedelta(days=months * 15),
                       release_type=rng.choices(RELEASE_TYPES, RELEASE_TYPE_WEIGHTS)[0])
        elif release is not None:
            row.update(kind="custodial", sentenced_on=release - timedelta(days=months * 15),
                       release_date=release, licence_end_date=release + timedelta(days=months * 15 + 30),
                       release_type=rng.choices(RELEASE_TYPES, RELEASE_TYPE_WEIGHTS)[0])
            if rng.random() < 0.08:
                row["recalled_on"] = stream.days(-30, 0)
        out.add("probation", "sentence", row)

    @staticmethod
    def _licence_conditions(stream: Stream, out: Batch, crn: str, *, force_exclusion: bool) -> None:
        rng = stream.rng
        kinds = rng.sample(("curfew", "exclusion_zone", "electronic_monitoring", "residence", "non_contact",
                            "drug_testing"), rng.randint(1, 4))
        if force_exclusion and "exclusion_zone" not in kinds:
            kinds.append("exclusion_zone")
        for kind in kinds:
            district = rng.choice(rng.choice(list(BOROUGHS.values()))[1])
            description = {
                "curfew": f"Curfew {rng.choice(('19:00', '20:00', '21:00'))} to 07:00 at the approved address",
                "exclusion_zone": f"Must not enter the exclusion zone in postcode district {district}",
                "electronic_monitoring": "Wear an electronic monitoring tag for the curfew period",
                "residence": "Reside at an address approved by the offender manager",
                "non_contact": "No contact with the named victim, directly or indirectly",
                "drug_testing": "Attend drug testing as directed",
            }[kind]
            starts = stream.days(-500, 30)
            out.add("probation", "licence_condition", {
                "condition_id": stream.next_id("licence_condition"), "crn": crn, "kind": kind,
                "description": description, "starts_on": starts,
                "ends_on": starts + timedelta(days=rng.randint(90, 720)),
            })

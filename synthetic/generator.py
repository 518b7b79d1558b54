"""Generates people and each agency's records about them, deterministically from a seed.

One random stream is consumed person by person in order, so the same seed, count and date give
the same data however the rows are later batched. Distributions are rough London shapes drawn from
DOMAIN.md: about a third in custody, IOM fixed/flex/free cohorts scoped by OGRS and offence, MAPPA
mostly level 1, NFA and rough sleeping attributed to a last borough, OST for most opiate users.

Guarantees tests and examples rely on:
- the first 20 people have records in all four agencies;
- person 0 is in the fixed IOM cohort of ``iom-officer-001``, on ``om-001``'s caseload, with
  ``housing-officer-001`` and ``keyworker-001``, and has active consent to share with probation;
- person 1 has no consent recorded for probation;
- person 2 is a domestic-abuse case of ``victim-liaison-001`` with an exclusion zone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from synthetic.identifiers import IdentifierMint, postcode
from synthetic.london import (
    BOROUGHS,
    CITY_WEIGHT,
    CUSTODY_SUITES,
    HOUSING_PROVIDERS,
    PRESCRIBERS,
    STREET_NAMES,
    TREATMENT_SERVICES,
)
from synthetic.names import FEMALE_FORENAMES, MALE_FORENAMES, SURNAMES
from synthetic.staff import Staff, offender_manager_rows, officer_rows

Row = dict[str, Any]

#: (offence, PNC-style offence code, kind) where kind steers IOM scoping and treatment likelihood.
OFFENCES: tuple[tuple[str, str, str], ...] = (
    ("Robbery", "TH68001", "acquisitive"),
    ("Burglary (dwelling)", "TH68010", "acquisitive"),
    ("Theft from shop", "TH68023", "acquisitive"),
    ("Theft of motor vehicle", "TH68036", "acquisitive"),
    ("Assault occasioning actual bodily harm", "OF61002", "violence"),
    ("Common assault (domestic)", "OF61131", "domestic"),
    ("Controlling or coercive behaviour", "OF61171", "domestic"),
    ("Possession with intent to supply class A", "MD71050", "drugs"),
    ("Possession of a bladed article", "FI68063", "violence"),
    ("Criminal damage", "CD71001", "other"),
    ("Breach of restraining order", "PU86003", "domestic"),
    ("Sexual assault", "SX03007", "sexual"),
)
ARREST_OUTCOMES = ("charged", "bailed", "released_under_investigation", "no_further_action", "caution", "remanded")
ARREST_OUTCOME_WEIGHTS = (30, 15, 25, 20, 5, 5)
WARNING_MARKERS = ("violence", "weapons", "drugs", "self_harm", "escaper", "mental_health")
ACCOMMODATION = ("settled", "transient", "approved_premises", "temporary", "nfa", "rough_sleeping")
ACCOMMODATION_WEIGHTS = (50, 12, 8, 12, 12, 6)
PATHWAYS = ("accommodation", "education_training_employment", "health", "drugs_alcohol", "finance_benefit_debt",
            "children_families", "attitudes_thinking_behaviour")
SUBSTANCES = ("opiates", "crack", "cocaine", "alcohol", "cannabis", "benzodiazepines", "other")
SUBSTANCE_WEIGHTS = (30, 20, 12, 22, 10, 3, 3)
INTEL_SUMMARIES = (
    "Reported associating with known drug suppliers", "Seen in exclusion area", "Believed to be carrying a knife",
    "Linked to vehicle used in burglaries", "Reported to have moved address", "Association with county lines group",
)

AGENCY_TABLES: dict[str, tuple[str, ...]] = {
    "police": ("officer", "nominal", "arrest", "intelligence_report", "warning_marker"),
    "probation": ("offender_manager", "offender", "sentence", "licence_condition", "referral", "victim_case"),
    "housing": ("housing_client", "duty_to_refer", "placement"),
    "treatment": ("treatment_client", "consent", "episode", "ost_prescription", "treatment_requirement",
                  "appointment"),
    "index": ("person", "person_link"),
}


@dataclass
class Batch:
    """Rows for each agency's tables, in insertion order (parents before children)."""

    rows: dict[str, dict[str, list[Row]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def add(self, agency: str, table: str, row: Row) -> None:
        self.rows[agency][table].append(row)

    def count(self) -> int:
        return sum(len(r) for tables in self.rows.values() for r in tables.values())


class Generator:
    def __init__(self, *, seed: int, people: int, as_of: date) -> None:
        self.rng = random.Random(seed)
        self.people = people
        self.as_of = as_of
        self.mint = IdentifierMint(self.rng)
        self.staff = Staff.for_people(people)
        self._ids: dict[str, int] = defaultdict(int)
        self._iom_members = 0
        self._victim_cases = 0
        names = list(BOROUGHS)
        weights = [float(w) or CITY_WEIGHT for w, _ in BOROUGHS.values()]
        self._boroughs, self._borough_weights = names, weights

    def _next_id(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def _days(self, lo: int, hi: int) -> date:
        """A date between ``lo`` and ``hi`` days from today (negative is the past)."""
        return self.as_of + timedelta(days=self.rng.randint(lo, hi))

    def _moment(self, day: date) -> datetime:
        return datetime.combine(day, time(self.rng.randrange(24), self.rng.randrange(60)))

    def person(self, i: int, batch: Batch) -> None:
        rng = self.rng
        complete = i < 20
        sex = "F" if rng.random() < 0.15 else "M"
        forenames = rng.choice(FEMALE_FORENAMES if sex == "F" else MALE_FORENAMES)
        if rng.random() < 0.3:
            forenames += " " + rng.choice(FEMALE_FORENAMES if sex == "F" else MALE_FORENAMES)
        surname = rng.choice(SURNAMES)
        age = min(70, max(18, int(rng.gauss(33, 9))))
        dob = self.as_of - timedelta(days=age * 365 + rng.randrange(365))
        identity = {"surname": surname, "forenames": forenames, "date_of_birth": dob}
        person_id = f"H{i + 1:08d}"
        offence, offence_code, offence_kind = rng.choice(OFFENCES)
        borough = rng.choices(self._boroughs, self._borough_weights)[0]

        on_probation = complete or rng.random() < 0.95
        known_to_police = complete or not on_probation or rng.random() < 0.96
        housed_by_council = complete or rng.random() < 0.45
        in_treatment = complete or rng.random() < (0.6 if offence_kind in ("drugs", "acquisitive") else 0.25)

        links: list[tuple[str, str]] = []
        ogrs = int(rng.betavariate(2.2, 2.0) * 99)
        mappa_level: int | None = None
        if on_probation:
            mappa_level = self._probation(i, batch, identity, links, offence, offence_kind, ogrs)
        if known_to_police:
            self._police(i, batch, identity, sex, links, offence, offence_code, offence_kind, ogrs, mappa_level,
                         on_probation)
        if housed_by_council:
            self._housing(i, batch, identity, links, borough)
        if in_treatment:
            self._treatment(i, batch, identity, links, offence_kind, borough)

        batch.add("index", "person", {"person_id": person_id, **identity})
        for scheme, value in links:
            batch.add("index", "person_link", {"person_id": person_id, "scheme": scheme, "value": value})

    # -- probation -------------------------------------------------------------------------------

    def _probation(self, i: int, batch: Batch, identity: Row, links: list[tuple[str, str]], offence: str,
                   offence_kind: str, ogrs: int) -> int | None:
        rng = self.rng
        crn = self.mint.crn()
        links.append(("crn", crn))
        status = rng.choices(("custody", "licence", "community"), (33, 25, 42))[0]
        if i in (0, 2):
            status = "licence"
        prison_number = None
        if status != "community" or rng.random() < 0.3:
            prison_number = self.mint.prison_number()
            links.append(("prisonNumber", prison_number))
        mappa_category = mappa_level = None
        if i > 2 and (offence_kind == "sexual" or rng.random() < 0.1):
            mappa_category = 1 if offence_kind == "sexual" else rng.choices((2, 3), (85, 15))[0]
            mappa_level = rng.choices((1, 2, 3), (85, 12, 3))[0]
        rosh = rng.choices(("low", "medium", "high", "very_high"), (30, 45, 20, 5))[0]
        band = "A" if ogrs >= 75 or rosh in ("high", "very_high") else "B" if ogrs >= 50 else rng.choice("CD")
        batch.add("probation", "offender", {
            "crn": crn, "pnc_id": None, "prison_number": prison_number, **identity,
            "tier": f"{band}{rng.randint(1, 3)}", "ogrs_score": ogrs, "rosh_level": rosh,
            "mappa_category": mappa_category, "mappa_level": mappa_level, "custody_status": status,
            "offender_manager_code": self.staff.offender_managers[i % len(self.staff.offender_managers)],
        })
        self._sentences(batch, crn, status, offence)
        if status != "community" or rng.random() < 0.2:
            self._licence_conditions(batch, crn, force_exclusion=i == 2)
        for pathway in rng.sample(PATHWAYS, rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]):
            batch.add("probation", "referral", {
                "referral_id": self._next_id("referral"), "crn": crn, "pathway": pathway,
                "referred_on": self._days(-400, 0), "open": rng.random() < 0.55,
            })
        if i == 2 or (offence_kind == "domestic" and rng.random() < 0.6):
            officers = self.staff.victim_liaison
            batch.add("probation", "victim_case", {
                "case_id": self._next_id("victim_case"), "crn": crn,
                "liaison_officer_id": officers[0 if i == 2 else self._victim_cases % len(officers)],
                "scheme": rng.choice(("victim_contact_scheme", "vawg")), "domestic_abuse": True,
                "opened_on": self._days(-900, -30),
            })
            self._victim_cases += 1
        return mappa_level

    def _sentences(self, batch: Batch, crn: str, status: str, offence: str) -> None:
        rng = self.rng
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):  # earlier, completed sentences
            sentenced = self._days(-3650, -1200)
            months = rng.choice((6, 9, 12, 18, 24))
            batch.add("probation", "sentence", {
                "sentence_id": self._next_id("sentence"), "crn": crn, "kind": "custodial", "offence": offence,
                "sentenced_on": sentenced, "length_months": months,
                "release_date": sentenced + timedelta(days=months * 15), "release_type": "automatic_conditional",
                "licence_end_date": sentenced + timedelta(days=months * 30), "recalled_on": None,
                "breached_on": None,
            })
        months = rng.choice((6, 12, 18, 24, 36, 48))
        row: Row = {"sentence_id": self._next_id("sentence"), "crn": crn, "offence": offence,
                    "length_months": months, "release_date": None, "release_type": None,
                    "licence_end_date": None, "recalled_on": None, "breached_on": None}
        if status == "community":
            row.update(kind=rng.choice(("community_order", "suspended_sentence")),
                       sentenced_on=self._days(-700, -10))
            if rng.random() < 0.12:
                row["breached_on"] = self._days(-60, 0)
        elif status == "custody":
            # Release within 18 months; a tenth within 20 days (early release with little notice).
            release = self._days(1, 20) if rng.random() < 0.1 else self._days(21, 540)
            row.update(kind="custodial", sentenced_on=release - timedelta(days=months * 15),
                       release_date=release, licence_end_date=release + timedelta(days=months * 15),
                       release_type=rng.choices(("automatic_conditional", "home_detention_curfew",
                                                 "early_release", "parole"), (60, 15, 20, 5))[0])
        else:
            release = self._days(-700, -1)
            row.update(kind="custodial", sentenced_on=release - timedelta(days=months * 15),
                       release_date=release, licence_end_date=release + timedelta(days=months * 15 + 30),
                       release_type=rng.choices(("automatic_conditional", "home_detention_curfew",
                                                 "early_release", "parole"), (60, 15, 20, 5))[0])
            if rng.random() < 0.08:
                row["recalled_on"] = self._days(-30, 0)
        batch.add("probation", "sentence", row)

    def _licence_conditions(self, batch: Batch, crn: str, *, force_exclusion: bool) -> None:
        rng = self.rng
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
            starts = self._days(-500, 30)
            batch.add("probation", "licence_condition", {
                "condition_id": self._next_id("licence_condition"), "crn": crn, "kind": kind,
                "description": description, "starts_on": starts,
                "ends_on": starts + timedelta(days=rng.randint(90, 720)),
            })

    # -- police ----------------------------------------------------------------------------------

    def _police(self, i: int, batch: Batch, identity: Row, sex: str, links: list[tuple[str, str]], offence: str,
                offence_code: str, offence_kind: str, ogrs: int, mappa_level: int | None,
                on_probation: bool) -> None:
        rng = self.rng
        first_year = max(1990, self.as_of.year - rng.randint(1, 20))
        pnc_id = self.mint.pnc_id(first_year)
        links.append(("pncId", pnc_id))
        cro = None
        if rng.random() < 0.7:
            cro = self.mint.cro_number(first_year % 100)
            links.append(("croNumber", cro))
        if on_probation:  # probation holds the PNC ID as it was given to it
            batch.rows["probation"]["offender"][-1]["pnc_id"] = pnc_id
        cohort = None
        if mappa_level in (None, 1):  # IOM does not take MAPPA level 2 and 3 cases
            if i == 0:
                cohort = "fixed"
            elif ogrs >= 75 or (ogrs >= 50 and offence_kind == "acquisitive"):
                cohort = rng.choices(("fixed", "flex", None), (25, 35, 40))[0]
            elif rng.random() < (0.08 if on_probation else 0.6):
                cohort = "free"
        officer = None
        if cohort is not None:
            officers = self.staff.iom_officers
            officer = officers[self._iom_members % len(officers)]
            self._iom_members += 1
        batch.add("police", "nominal", {"pnc_id": pnc_id, "cro_number": cro, **identity, "sex": sex,
                                        "iom_cohort": cohort, "iom_officer_id": officer})
        arrests = rng.choices((0, 1, 2, 3, 5, 8), (15, 30, 25, 15, 10, 5))[0]
        for n in range(arrests):
            # The most recent one is the offence on the current order; the rest are earlier.
            name, code = (offence, offence_code) if n == 0 else rng.choice(OFFENCES)[:2]
            batch.add("police", "arrest", {
                "arrest_id": self._next_id("arrest"), "pnc_id": pnc_id,
                "arrested_at": self._moment(self._days(-1100, -2)), "offence_code": code, "offence": name,
                "custody_suite": rng.choice(CUSTODY_SUITES),
                "outcome": rng.choices(ARREST_OUTCOMES, ARREST_OUTCOME_WEIGHTS)[0],
            })
        if i % 25 == 3 or rng.random() < 0.03:  # overnight arrests: the daily intelligence question
            name, code = rng.choice(OFFENCES)[:2]
            at = datetime.combine(self.as_of, time(0)) - timedelta(minutes=rng.randint(0, 10 * 60))
            batch.add("police", "arrest", {
                "arrest_id": self._next_id("arrest"), "pnc_id": pnc_id, "arrested_at": at, "offence_code": code,
                "offence": name, "custody_suite": rng.choice(CUSTODY_SUITES),
                "outcome": rng.choices(ARREST_OUTCOMES, ARREST_OUTCOME_WEIGHTS)[0],
            })
        for _ in range(rng.choices((0, 1, 2, 3), (50, 25, 15, 10))[0]):
            summary = rng.choice(INTEL_SUMMARIES)
            batch.add("police", "intelligence_report", {
                "report_id": self._next_id("intelligence_report"), "pnc_id": pnc_id,
                "recorded_at": self._moment(self._days(-700, -1)),
                "source_evaluation": rng.choice("123"), "intelligence_assessment": rng.choice("ABCDE"),
                "handling_code": rng.choices("PC", (80, 20))[0], "summary": summary,
                "detail": f"{summary}. Source report graded for partner sharing; see local intelligence system.",
            })
        for marker in rng.sample(WARNING_MARKERS, rng.choices((0, 1, 2), (55, 30, 15))[0]):
            batch.add("police", "warning_marker", {
                "marker_id": self._next_id("warning_marker"), "pnc_id": pnc_id, "marker": marker,
                "recorded_on": self._days(-3000, -30),
            })

    # -- housing ---------------------------------------------------------------------------------

    def _housing(self, i: int, batch: Batch, identity: Row, links: list[tuple[str, str]], borough: str) -> None:
        rng = self.rng
        ref = self.mint.housing_reference()
        links.append(("housingReference", ref))
        status = "settled" if i == 0 else rng.choices(ACCOMMODATION, ACCOMMODATION_WEIGHTS)[0]
        uprn = address = code = None
        if status not in ("nfa", "rough_sleeping"):  # NFA cases keep their last borough, not an address
            district = rng.choice(BOROUGHS[borough][1])
            code = postcode(rng, district)
            uprn = self.mint.uprn()
            address = f"{rng.randint(1, 240)} {rng.choice(STREET_NAMES)}"
            if status in ("temporary", "approved_premises", "transient"):
                address = f"Flat {rng.randint(1, 40)}, {address}"
        if status == "settled":
            stage = rng.choices(("none", "prevention"), (85, 15))[0]
        else:
            stage = rng.choices(("prevention", "relief", "main_duty", "none"), (30, 35, 25, 10))[0]
        officers = self.staff.housing_officers
        batch.add("housing", "housing_client", {
            "housing_ref": ref, **identity, "uprn": uprn, "address_line": address, "postcode": code,
            "borough": borough, "accommodation_status": status, "status_since": self._days(-800, -1),
            "duty_stage": stage, "housing_officer_id": officers[i % len(officers)],
        })
        for _ in range(rng.choices((0, 1, 2), (45, 45, 10))[0]):
            batch.add("housing", "duty_to_refer", {
                "referral_id": self._next_id("duty_to_refer"), "housing_ref": ref,
                "referred_on": self._days(-500, 0),
                "referring_agency": rng.choices(("probation", "prison", "police", "hospital", "jobcentre"),
                                                (50, 30, 8, 7, 5))[0],
                "status": rng.choices(("received", "accepted", "closed"), (25, 45, 30))[0],
            })
        if status in ("approved_premises", "temporary", "transient") or rng.random() < 0.1:
            kind = {"approved_premises": "approved_premises", "temporary": "temporary"}.get(
                status, rng.choice(("transitional", "supported")))
            starts = self._days(-200, 0)
            # Transitional accommodation lasts up to 12 weeks.
            length = 84 if kind == "transitional" else rng.randint(30, 365)
            batch.add("housing", "placement", {
                "placement_id": self._next_id("placement"), "housing_ref": ref, "kind": kind,
                "provider": f"{borough} {HOUSING_PROVIDERS[PLACEMENT_PROVIDER[kind]]}", "starts_on": starts,
                "ends_on": starts + timedelta(days=length) if rng.random() < 0.8 else None,
            })

    # -- treatment -------------------------------------------------------------------------------

    def _treatment(self, i: int, batch: Batch, identity: Row, links: list[tuple[str, str]], offence_kind: str,
                   borough: str) -> None:
        rng = self.rng
        nhs = self.mint.nhs_number()
        links.append(("nhsNumber", nhs))
        keyworkers = self.staff.keyworkers
        batch.add("treatment", "treatment_client", {
            "nhs_number": nhs, **identity, "service": f"{borough} {rng.choice(TREATMENT_SERVICES)}",
            "keyworker_id": keyworkers[i % len(keyworkers)],
        })
        for agency, chance in (("probation", 0.75), ("police", 0.25), ("housing", 0.4)):
            if i == 0 and agency == "probation":
                chance = 1.0
            if i == 1 and agency == "probation":
                chance = 0.0
            if rng.random() < chance:
                withdrawn = self._days(-60, -1) if rng.random() < 0.08 and i != 0 else None
                batch.add("treatment", "consent", {
                    "consent_id": self._next_id("consent"), "nhs_number": nhs, "share_with": agency,
                    "recorded_on": self._days(-700, -61), "withdrawn_on": withdrawn,
                })
        substance = "opiates" if offence_kind == "drugs" and rng.random() < 0.5 else \
            rng.choices(SUBSTANCES, SUBSTANCE_WEIGHTS)[0]
        episodes = rng.choices((1, 2, 3), (60, 30, 10))[0]
        start = self._days(-1500, -800)
        for n in range(episodes):
            current = n == episodes - 1
            ended = None if current and rng.random() < 0.7 else start + timedelta(days=rng.randint(30, 300))
            batch.add("treatment", "episode", {
                "episode_id": self._next_id("episode"), "nhs_number": nhs,
                "substance": substance if current else rng.choices(SUBSTANCES, SUBSTANCE_WEIGHTS)[0],
                "started_on": start, "ended_on": ended,
                "discharge_reason": None if ended is None else rng.choice(
                    ("completed", "dropped_out", "transferred", "in_custody", "declined")),
            })
            if current and substance == "opiates" and rng.random() < 0.7:
                medication = rng.choices(("methadone", "buprenorphine"), (70, 30))[0]
                dose = rng.randrange(30, 121, 5) if medication == "methadone" else rng.randrange(4, 25, 2)
                batch.add("treatment", "ost_prescription", {
                    "prescription_id": self._next_id("ost_prescription"), "nhs_number": nhs,
                    "medication": medication, "daily_dose_mg": dose, "prescriber": rng.choice(PRESCRIBERS),
                    "started_on": start, "ended_on": ended,
                })
            start = (ended or start) + timedelta(days=rng.randint(20, 200))
            start = min(start, self.as_of - timedelta(days=10))
        if rng.random() < 0.3:
            kind = "ATR" if substance == "alcohol" else rng.choices(("DRR", "MHTR"), (85, 15))[0]
            starts = self._days(-300, -10)
            batch.add("treatment", "treatment_requirement", {
                "requirement_id": self._next_id("treatment_requirement"), "nhs_number": nhs, "kind": kind,
                "starts_on": starts, "ends_on": starts + timedelta(days=rng.choice((180, 270, 365))),
            })
        for _ in range(rng.randint(1, 5)):
            day = self._days(-60, 30)
            batch.add("treatment", "appointment", {
                "appointment_id": self._next_id("appointment"), "nhs_number": nhs,
                "scheduled_at": datetime.combine(day, time(rng.randint(9, 16), rng.choice((0, 15, 30, 45)))),
                "kind": rng.choice(("assessment", "keywork", "prescribing", "review")),
                "attended": None if day >= self.as_of else rng.random() < 0.7,
            })


PLACEMENT_PROVIDER = {"transitional": 0, "approved_premises": 1, "supported": 2, "temporary": 3}


def staff_rows(generator: Generator) -> Batch:
    batch = Batch()
    rng = random.Random(generator.people)  # staff details do not shift the people's random stream
    batch.rows["police"]["officer"] = officer_rows(generator.staff, rng)
    batch.rows["probation"]["offender_manager"] = offender_manager_rows(generator.staff, rng)
    return batch

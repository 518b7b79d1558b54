"""Synthetic police records: nominals with IOM cohorts, arrests, intelligence and warning markers."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from synthetic.identifiers import phone
from synthetic.london import BOROUGHS, CUSTODY_SUITES
from synthetic.population import OFFENCES, Batch, Stream, SyntheticPerson, staff_ids
from synthetic.staff import staff_name

ARREST_OUTCOMES = ("charged", "bailed", "released_under_investigation", "no_further_action", "caution", "remanded")
ARREST_OUTCOME_WEIGHTS = (30, 15, 25, 20, 5, 5)
#: A charge usually reaches a verdict within months; most charged people are convicted.
COURT_RESULT_AFTER_DAYS, CONVICTED_SHARE = 120, 0.8
WARNING_MARKERS = ("violence", "weapons", "drugs", "self_harm", "escaper", "mental_health")
INTEL_SUMMARIES = (
    "Reported associating with known drug suppliers", "Seen in exclusion area", "Believed to be carrying a knife",
    "Linked to vehicle used in burglaries", "Reported to have moved address", "Association with county lines group",
)


def iom_officers(people: int) -> tuple[str, ...]:
    """About 300 people per IOM officer's cohort (DOMAIN.md: 1 officer per 40 nominals in the cohort)."""
    return staff_ids("iom-officer", people // 300)


class PoliceSynthesiser:
    def staff(self, stream: Stream, out: Batch) -> None:
        boroughs = list(BOROUGHS)
        for officer in iom_officers(stream.people):
            out.add("police", "officer", {"officer_id": officer, "name": staff_name(stream.rng),
                                          "borough": stream.rng.choice(boroughs), "phone": phone(stream.rng)})

    def person(self, person: SyntheticPerson, stream: Stream, out: Batch) -> None:
        if person.pnc_id is None:
            return
        rng, i = stream.rng, person.index
        pnc_id = person.pnc_id
        person.links.append(("pncId", pnc_id))
        cro = None
        if rng.random() < 0.7:
            cro = stream.mint.cro_number(int(pnc_id[:4]) % 100)
            person.links.append(("croNumber", cro))
        cohort = None
        if person.mappa_level in (None, 1):  # IOM does not take MAPPA level 2 and 3 cases
            if i == 0:
                cohort = "fixed"
            elif person.ogrs >= 75 or (person.ogrs >= 50 and person.offence_kind == "acquisitive"):
                cohort = rng.choices(("fixed", "flex", None), (25, 35, 40))[0]
            elif rng.random() < (0.08 if person.on_probation else 0.6):
                cohort = "free"
        officer = None
        if cohort is not None:
            officers = iom_officers(stream.people)
            officer = officers[(stream.next_id("iom_member") - 1) % len(officers)]
        out.add("police", "nominal", {"pnc_id": pnc_id, "cro_number": cro, **person.identity, "sex": person.sex,
                                      "iom_cohort": cohort, "iom_officer_id": officer})
        for n in range(rng.choices((0, 1, 2, 3, 5, 8), (15, 30, 25, 15, 10, 5))[0]):
            # The most recent one is the offence on the current order; the rest are earlier.
            name, code = (person.offence, person.offence_code) if n == 0 else rng.choice(OFFENCES)[:2]
            self._arrest(stream, out, pnc_id, stream.moment(stream.days(-1100, -2)), name, code)
        if i % 25 == 3 or rng.random() < 0.03:  # overnight arrests: the daily intelligence question
            name, code = rng.choice(OFFENCES)[:2]
            at = datetime.combine(stream.as_of, time(0)) - timedelta(minutes=rng.randint(0, 10 * 60))
            self._arrest(stream, out, pnc_id, at, name, code)
        for _ in range(rng.choices((0, 1, 2, 3), (50, 25, 15, 10))[0]):
            summary = rng.choice(INTEL_SUMMARIES)
            out.add("police", "intelligence_report", {
                "report_id": stream.next_id("intelligence_report"), "pnc_id": pnc_id,
                "recorded_at": stream.moment(stream.days(-700, -1)),
                "source_evaluation": rng.choice("123"), "intelligence_assessment": rng.choice("ABCDE"),
                "handling_code": rng.choices("PC", (80, 20))[0], "summary": summary,
                "detail": f"{summary}. Source report graded for partner sharing; see local intelligence system.",
            })
        for marker in rng.sample(WARNING_MARKERS, rng.choices((0, 1, 2), (55, 30, 15))[0]):
            out.add("police", "warning_marker", {
                "marker_id": stream.next_id("warning_marker"), "pnc_id": pnc_id, "marker": marker,
                "recorded_on": stream.days(-3000, -30),
            })

    @staticmethod
    def _arrest(stream: Stream, out: Batch, pnc_id: str, at: datetime, offence: str, code: str) -> None:
        arrest_id = stream.next_id("arrest")
        outcome = stream.rng.choices(ARREST_OUTCOMES, ARREST_OUTCOME_WEIGHTS)[0]
        out.add("police", "arrest", {
            "arrest_id": arrest_id, "pnc_id": pnc_id, "arrested_at": at, "offence_code": code,
            "offence": offence, "custody_suite": stream.rng.choice(CUSTODY_SUITES),
            "outcome": outcome, "convicted": _court_result(stream, arrest_id, at, charged=outcome in (
                "charged", "remanded")),
        })


def _court_result(stream: Stream, arrest_id: int, at: datetime, *, charged: bool) -> bool | None:
    """Convicted or not, once the court has had time; None for no charge or no result yet. Drawn from
    a stream of the arrest's own, so adding it left the rest of police's data as it was."""
    if not charged:
        return None
    rng = random.Random(f"police-court:{arrest_id}:{at.isoformat()}")
    waited = (stream.as_of - at.date()).days
    if waited < COURT_RESULT_AFTER_DAYS and rng.random() < 1 - waited / COURT_RESULT_AFTER_DAYS:
        return None
    return rng.random() < CONVICTED_SHARE

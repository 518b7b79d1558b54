"""The board's outcome measures worked out again from the seeded tables: plain SQL on each agency's own
database and the person index, the definitions (README, "The graph") written out here a second time."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.core.settings import Settings
from tests.http.seeded import rows_at

#: measure -> days after release the outcome is taken (and must have passed for the whole quarter)
FOLLOW_UP = {"HOUSED_ON_RELEASE_NIGHT": 0, "SETTLED_ACCOMMODATION_3_MONTHS": 91, "EMPLOYED_6_WEEKS": 42,
             "EMPLOYED_6_MONTHS": 182, "TREATMENT_WITHIN_21_DAYS": 21, "PROVEN_REOFFENDING_12_MONTHS": 365}
DIMENSIONS = ("BOROUGH", "IOM_COHORT", "RELEASE_TYPE")


async def fetch(settings: Settings, database: str, sql: str) -> list[Any]:
    return await rows_at(settings.index_url if database == "index" else settings.agency_url(database), sql)


def day(value: Any) -> date:
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def last_day_of_quarter(d: date) -> date:
    month = ((d.month - 1) // 3) * 3 + 3  # March, June, September, December
    nxt = date(d.year + 1, 1, 1) if month == 12 else date(d.year, month + 1, 1)
    return nxt - timedelta(days=1)


def quarter(d: date) -> str:
    return f"{d.year}-Q{(d.month + 2) // 3}"


def financial_year(d: date) -> str:
    start = d.year - (d.month < 4)
    return f"FY{start}/{str(start + 1)[2:]}"


@dataclass
class Truth:
    """Per measure, a row per person and release quarter: (quarter, borough, iom cohort, release type, value)."""

    rows: dict[str, list[tuple[str, str, str, str, str]]]

    def counts(self, measure: str, period: str | None, by: Sequence[str]) -> Counter[tuple[str, ...]]:
        """People per (the breakdowns' values in the order asked, value), in the period (None: all)."""
        found: Counter[tuple[str, ...]] = Counter()
        for q, *dims, value in self.rows[measure]:
            year = financial_year(date(int(q[:4]), 3 * int(q[-1]), 1))
            if period in (None, q, year):
                found[(*(dims[DIMENSIONS.index(b)] for b in by), value)] += 1
        return found


async def truth(settings: Settings) -> Truth:
    today = datetime.now(UTC).date()
    links = await fetch(settings, "index", "SELECT scheme, value, person_id FROM person_link")
    person: dict[tuple[str, str], str] = {(s, v): p for s, v, p in links}
    keys: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (scheme, value), pid in sorted(person.items()):
        keys[scheme][pid].append(value)
    releases = [(person[("crn", crn)], day(on), kind or "not_known", crn) for crn, on, kind in await fetch(
        settings, "probation", "SELECT crn, release_date, release_type FROM sentence WHERE release_date IS NOT NULL")
        if ("crn", crn) in person]

    borough = {r: b for r, b in await fetch(settings, "housing", "SELECT housing_ref, borough FROM housing_client")}
    iom = {p: c or "none" for p, c in await fetch(settings, "police", "SELECT pnc_id, iom_cohort FROM nominal")}

    def first(scheme: str, pid: str, values: dict[str, str]) -> str:
        return next((values[k] for k in keys[scheme].get(pid, []) if k in values), "not_known")

    # The agencies' own facts, by their keys
    # Housing: each client's status on a day is the spell in force that day, looked up in SQL.
    clients = {r for (r,) in await fetch(settings, "housing", "SELECT housing_ref FROM housing_client")}
    spells_sql = "SELECT housing_ref, status, starts_on, ends_on FROM accommodation_spell"
    spells: dict[str, list[tuple[str, date, date | None]]] = defaultdict(list)
    for r, s, since, until in await fetch(settings, "housing", spells_sql):
        spells[r].append((s, day(since), None if until is None else day(until)))
    jobs: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
    for n, s, e in await fetch(settings, "employment", "SELECT ni_number, starts_on, ends_on FROM job"):
        jobs[n].append((day(s), None if e is None else day(e)))
    employed_known = {n for (n,) in await fetch(settings, "employment", "SELECT ni_number FROM employment_client")}
    seen: dict[str, list[date]] = defaultdict(list)
    for n, s in await fetch(settings, "treatment", "SELECT nhs_number, started_on FROM episode"):
        seen[n].append(day(s))
    for n, at in await fetch(settings, "treatment", "SELECT nhs_number, scheduled_at FROM appointment "
                                                    "WHERE attended = true"):
        seen[n].append(day(at))
    treated_known = {n for (n,) in await fetch(settings, "treatment", "SELECT nhs_number FROM treatment_client")}
    arrests: dict[str, list[tuple[date, str, Any]]] = defaultdict(list)
    for p, at, outcome, convicted in await fetch(settings, "police",
                                                 "SELECT pnc_id, arrested_at, outcome, convicted FROM arrest"):
        arrests[p].append((day(at), outcome, convicted))

    def covering(periods: list[tuple[date, date | None]], d: date) -> bool:
        return any(s <= d and (e is None or d <= e) for s, e in periods)

    def housing_on(ref: str, d: date, settled: bool) -> bool | None:
        """Housed (not NFA, not rough sleeping) or settled on the day, by the one spell covering it."""
        in_force = [s for s, since, until in spells[ref] if since <= d and (until is None or d <= until)]
        assert len(in_force) <= 1, (ref, d)  # spells never overlap
        if not in_force:
            return None
        status = in_force[0]
        return status == "settled" if settled else status not in ("nfa", "rough_sleeping")

    def proven_within(p: str, released: date) -> bool | None:
        verdicts: list[bool | None] = []
        for d, outcome, convicted in arrests[p]:
            if released <= d <= released + timedelta(days=365):
                if outcome in ("no_further_action", "caution"):
                    verdicts.append(False)
                elif outcome in ("charged", "remanded"):
                    verdicts.append(None if convicted is None else bool(convicted))
                else:
                    verdicts.append(None)
        return True if True in verdicts else None if None in verdicts else False

    rules: dict[str, tuple[str, Any]] = {
        "HOUSED_ON_RELEASE_NIGHT": ("housingReference", lambda k, r: housing_on(k, r, False)),
        "SETTLED_ACCOMMODATION_3_MONTHS": ("housingReference",
                                           lambda k, r: housing_on(k, r + timedelta(days=91), True)),
        "EMPLOYED_6_WEEKS": ("niNumber", lambda k, r: covering(jobs[k], r + timedelta(days=42))
                             if k in employed_known else "absent"),
        "EMPLOYED_6_MONTHS": ("niNumber", lambda k, r: covering(jobs[k], r + timedelta(days=182))
                              if k in employed_known else "absent"),
        "TREATMENT_WITHIN_21_DAYS": ("nhsNumber", lambda k, r: any(r <= d <= r + timedelta(days=21) for d in seen[k])
                                     if k in treated_known else "absent"),
        "PROVEN_REOFFENDING_12_MONTHS": ("pncId", lambda k, r: proven_within(k, r) if k in iom else "absent"),
    }
    found: dict[str, list[tuple[str, str, str, str, str]]] = {}
    for measure, follow in FOLLOW_UP.items():
        # Each person once per release quarter, at their first release in it; only the quarters whose
        # every release has had the follow-up by today.
        first_in: dict[tuple[str, str], tuple[date, str, str]] = {}
        for pid, on, kind, crn in releases:
            held = first_in.get((pid, quarter(on)))
            if last_day_of_quarter(on) + timedelta(days=follow) <= today and (
                    held is None or (on, crn) < (held[0], held[2])):
                first_in[(pid, quarter(on))] = (on, kind, crn)
        scheme, rule = rules[measure]
        rows = []
        for (pid, q), (on, kind, _) in sorted(first_in.items()):
            said = [rule(k, on) for k in keys[scheme].get(pid, []) if scheme != "housingReference" or k in clients]
            said = [s for s in said if s != "absent"]
            value = ("not_known" if not said else "true" if True in said else "false" if False in said
                     else "not_known")
            rows.append((q, first("housingReference", pid, borough), first("pncId", pid, iom), kind, value))
        found[measure] = rows
    return Truth(found)

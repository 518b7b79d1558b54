"""The partnership's questions as benchmark scenarios: the same query text for every contender.

Each scenario names its realistic caller (role, user, purpose): the one who asks that question in
practice, for whom policy does its real work (caseload checks, masks, withheld fields) and the hub
loads and returns less than without governance. The governed hub is also measured as
``EQUAL_WORK``, the caller of the benchmark-only agreement (bench/agreement.py), to whom everything
selected is released: the same work as governance off and the bare server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bench import agreement
from bench.agencies import agency_url
from connectors.probation import tables as prt
from hub.core.db import create_engine
from hub.core.settings import Settings
from hub.services.index import tables as it

PROFILE = """query Profile($id: ID!) { person(id: $id) { id name dateOfBirth
  identifiers { pncId crn nhsNumber housingReference }
  police { iomCohort arrests { arrestedAt offence outcome } }
  probation { tier ogrsScore roshLevel mappaLevel releaseDate licenceConditions { kind description }
              offenderManager { name phone } }
  housing { borough accommodationStatus dutyStage }
  treatment { engaged service } } }"""

LOOKUP = """query Lookup($pnc: String!) { personByIdentifier(scheme: PNC_ID, value: $pnc) { id name dateOfBirth
  identifiers { pncId crn } probation { tier roshLevel offenderManager { name phone } } } }"""

COHORT = """query Cohort($first: Int!) { people(first: $first, filter: {iomCohorts: [FIXED, FLEX, FREE]}) {
  edges { node { id name
    police { iomCohort arrests { arrestedAt outcome } }
    probation { ogrsScore roshLevel releaseDate licenceConditions { kind } }
    housing { accommodationStatus }
    treatment { engaged } } } } }"""

OVERNIGHT = """query Overnight($crns: [String!]!, $since: DateTime!) {
  peopleByIdentifiers(scheme: CRN, values: $crns) { id name
    police { arrests(since: $since) { arrestedAt offence custodySuite outcome } } } }"""

SEARCH = """query Search($borough: Borough!) { people(first: 50, filter: {boroughs: [$borough],
  accommodationStatuses: [NFA, ROUGH_SLEEPING, TRANSIENT]}) {
  edges { node { id name housing { borough accommodationStatus dutyStage } } } } }"""


@dataclass(frozen=True)
class Caller:
    user: str
    agency: str
    role: str
    purpose: str
    justification: str | None = None


#: The benchmark-only agreement's caller: every field it selects is released, unmasked, unconditionally.
EQUAL_WORK = Caller("bench-equal-work", "probation", agreement.ROLE, agreement.PURPOSE)


@dataclass(frozen=True)
class Scenario:
    name: str
    query: str
    variables: dict[str, Any]
    caller: Caller
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}


async def build(settings: Settings, as_of: date, cohort_page: int = 200) -> list[Scenario]:
    """Pick real ids from the seeded data: om-001's caseload, the first person, a known PNC ID."""
    index = create_engine(settings.index_url)
    probation = create_engine(agency_url(settings, "probation"))
    try:
        async with index.connect() as conn:
            first = (await conn.execute(select(it.person.c.person_id).order_by(it.person.c.person_id).limit(1))
                     ).scalar_one()
            pnc = (await conn.execute(select(it.person_link.c.value).where(
                it.person_link.c.person_id == first, it.person_link.c.scheme == "pncId"))).scalar_one()
        async with probation.connect() as conn:
            crns = list((await conn.execute(select(prt.offender.c.crn).where(
                prt.offender.c.offender_manager_code == "om-001").order_by(prt.offender.c.crn).limit(40))).scalars())
    finally:
        await index.dispose()
        await probation.dispose()
    since = f"{as_of - timedelta(days=1)}T18:00:00"
    iom = Caller("iom-officer-001", "police", "police-iom-officer", "iom")
    return [
        Scenario("profile", PROFILE, {"id": first}, iom, "one full profile by hub id"),
        Scenario("lookup", LOOKUP, {"pnc": pnc}, iom, "personByIdentifier (PNC ID)"),
        Scenario("cohort", COHORT, {"first": cohort_page}, iom, f"IOM cohort page of {cohort_page}, four agencies"),
        Scenario("overnight", OVERNIGHT, {"crns": crns, "since": since},
                 Caller("om-001", "probation", "probation-practitioner", "daily-intel"),
                 f"overnight arrests for a caseload of {len(crns)}"),
        Scenario("search", SEARCH, {"borough": "HACKNEY"},
                 Caller("housing-officer-001", "housing", "housing-officer", "housing-referral"),
                 "filtered people search (borough, accommodation)"),
    ]

"""What the seeded agency tables say, read with plain SQL, and which hub person each agency key is.

Tests check the hub's answers against these: the agencies' own rows, never the hub's resolvers. The link
from agency keys to hub person ids comes from the ungoverned graph (the person index is what the hub
joins by, not something a governed answer could get wrong without the tables disagreeing).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from hub.core.db import create_engine
from hub.core.settings import Settings
from tests.graph_client import GraphClient

EVERYONE = ("{ people(first: 500) { edges { node { id identifiers { pncId crn housingReference nhsNumber niNumber } } "
            "} } }")

#: The offence groups, written out again: every offence the synthetic population commits, by description.
GROUPS = {
    "Robbery": "ROBBERY", "Burglary (dwelling)": "BURGLARY", "Theft from shop": "THEFT",
    "Theft of motor vehicle": "THEFT", "Assault occasioning actual bodily harm": "VIOLENCE",
    "Possession of a bladed article": "VIOLENCE", "Common assault (domestic)": "DOMESTIC_ABUSE",
    "Controlling or coercive behaviour": "DOMESTIC_ABUSE", "Breach of restraining order": "DOMESTIC_ABUSE",
    "Possession with intent to supply class A": "DRUGS", "Criminal damage": "OTHER", "Sexual assault": "SEXUAL",
}


def as_date(value: Any) -> date | None:
    """SQLite hands dates back as text, PostgreSQL as dates."""
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def as_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def rows_at(url: str, sql: str) -> list[Any]:
    """Plain SQL on any of the stores (an agency's, the person index)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql))).all())
    finally:
        await engine.dispose()


async def rows(settings: Settings, agency: str, sql: str) -> list[Any]:
    return await rows_at(settings.agency_url(agency), sql)


async def person_of(settings: Settings, scheme: str) -> dict[str, str]:
    """An agency's key -> the hub person id, from the person index's own table."""
    return {value: person for person, value in await rows_at(
        settings.index_url, f"SELECT person_id, value FROM person_link WHERE scheme = '{scheme}'")}


class Seeded:
    """The seeded tables of every agency, with each agency key's hub person id (``ids[scheme][key]``)."""

    def __init__(self, settings: Settings, truth: GraphClient) -> None:
        self.settings, self.truth = settings, truth
        self.ids: dict[str, dict[str, str]] = {}

    async def link(self) -> Seeded:
        found = (await self.truth.query(EVERYONE))["data"]["people"]["edges"]
        assert len(found) < 500, "more people than one page: read every page"
        for scheme in ("pncId", "crn", "housingReference", "nhsNumber", "niNumber"):
            self.ids[scheme] = {e["node"]["identifiers"][scheme]: e["node"]["id"] for e in found
                                if e["node"]["identifiers"][scheme]}
        return self

    async def rows(self, agency: str, sql: str) -> list[Any]:
        return await rows(self.settings, agency, sql)

    async def people(self, agency: str, scheme: str, sql: str) -> set[str]:
        """The people whose key (the first column) the query returns."""
        return {self.ids[scheme][r[0]] for r in await self.rows(agency, sql) if r[0] in self.ids[scheme]}

    async def by_person(self, agency: str, scheme: str, sql: str) -> dict[str, list[Any]]:
        """The query's rows by the person whose key is their first column."""
        found: dict[str, list[Any]] = {}
        for r in await self.rows(agency, sql):
            if r[0] in self.ids[scheme]:
                found.setdefault(self.ids[scheme][r[0]], []).append(r)
        return found

    async def latest_offence_group(self) -> dict[str, str]:
        """crn -> the group of the offence of their latest sentence (sentenced last; ties: recorded last)."""
        latest: dict[str, tuple[Any, int, str]] = {}
        for crn, offence, sentenced_on, sentence_id in await self.rows(
                "probation", "SELECT crn, offence, sentenced_on, sentence_id FROM sentence"):
            key = (as_date(sentenced_on), sentence_id, offence)
            if crn not in latest or key[:2] > latest[crn][:2]:
                latest[crn] = key
        return {crn: GROUPS.get(offence, "OTHER") for crn, (_, _, offence) in latest.items()}

    async def latest_releases(self) -> dict[str, Any]:
        """person -> the row of their latest release from custody, past or planned (latest date; ties: recorded
        last): release_date, release_type, release_establishment, release_decided_on."""
        latest: dict[str, tuple[tuple[Any, int], Any]] = {}
        for row in await self.rows("probation", (
                "SELECT crn, release_date, sentence_id, release_type, release_establishment, release_decided_on "
                "FROM sentence WHERE release_date IS NOT NULL")):
            key = (as_date(row.release_date), row.sentence_id)
            if row.crn in self.ids["crn"] and (row.crn not in latest or key > latest[row.crn][0]):
                latest[row.crn] = (key, row)
        return {self.ids["crn"][crn]: row for crn, (_, row) in latest.items()}

    async def iom_cohort(self, officer: str) -> set[str]:
        return await self.people("police", "pncId", f"SELECT pnc_id FROM nominal WHERE iom_officer_id = '{officer}'")

    async def offender_managers_caseload(self, manager: str) -> set[str]:
        return await self.people("probation", "crn",
                                 f"SELECT crn FROM offender WHERE offender_manager_code = '{manager}'")

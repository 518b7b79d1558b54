"""The police connector: the interface the hub uses and its SQL implementation."""

from __future__ import annotations

from abc import abstractmethod
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date
from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Row

from connectors.police import tables as t
from connectors.police.outcomes import reoffended
from connectors.police.records import (
    Arrest,
    ArrestOutcome,
    HandlingCode,
    IntelligenceReport,
    IomCohort,
    Nominal,
    Officer,
    PoliceCriteria,
    WarningMarker,
)
from connectors.sql_source import ItemsRead, SqlConnector
from hub.core.agency import Connector
from hub.core.offences import group_of


class PoliceConnector(Connector[PoliceCriteria]):
    agency = "police"
    key_scheme = "pncId"

    @abstractmethod
    async def nominals(self, pnc_ids: Iterable[str]) -> dict[str, Nominal]: ...

    @abstractmethod
    async def arrests(self, pnc_ids: Iterable[str]) -> dict[str, list[Arrest]]:
        """Arrests newest first."""

    @abstractmethod
    async def intelligence(self, pnc_ids: Iterable[str]) -> dict[str, list[IntelligenceReport]]: ...

    @abstractmethod
    async def warning_markers(self, pnc_ids: Iterable[str]) -> dict[str, list[WarningMarker]]: ...


def _nominal(row: Row[Any]) -> Nominal:
    officer = (
        Officer(row.officer_id, row.name, row.borough, row.phone) if row.officer_id is not None else None
    )
    return Nominal(
        pnc_id=row.pnc_id,
        cro_number=row.cro_number,
        surname=row.surname,
        forenames=row.forenames,
        date_of_birth=row.date_of_birth,
        iom_cohort=IomCohort(row.iom_cohort) if row.iom_cohort else None,
        iom_officer=officer,
    )


#: Outcomes that end the matter without a charge: never proven. Bailed and released under
#: investigation are undecided; charged and remanded are proven as the court decides.
NOT_CHARGED = frozenset({ArrestOutcome.NO_FURTHER_ACTION, ArrestOutcome.CAUTION})
CHARGED = frozenset({ArrestOutcome.CHARGED, ArrestOutcome.REMANDED})


def proven(outcome: ArrestOutcome, convicted: bool | None) -> bool | None:
    """Charged and later convicted: False when not charged or not convicted, None while unknown."""
    if outcome in NOT_CHARGED:
        return False
    return convicted if outcome in CHARGED else None


def _arrest(row: Row[Any]) -> Arrest:
    outcome = ArrestOutcome(row.outcome)
    return Arrest(row.arrest_id, row.arrested_at, row.offence_code, row.offence, row.custody_suite,
                  outcome, group_of(row.offence), proven(outcome, row.convicted))


def _intel(row: Row[Any]) -> IntelligenceReport:
    return IntelligenceReport(row.report_id, row.recorded_at, row.source_evaluation,
                              row.intelligence_assessment, HandlingCode(row.handling_code), row.summary,
                              row.detail)


@cache
def _nominals_statement() -> Select[Any]:
    return select(t.nominal, t.officer.c.officer_id, t.officer.c.name, t.officer.c.borough,
                  t.officer.c.phone).outerjoin(t.officer, t.officer.c.officer_id == t.nominal.c.iom_officer_id)


#: The record's list fields (the descriptor's ``lists``), each as its table is read.
LISTS = {
    "arrests": ItemsRead(t.arrest, _arrest, t.arrest.c.arrested_at.desc()),
    "intelligence": ItemsRead(t.intelligence_report, _intel, t.intelligence_report.c.recorded_at.desc()),
    "warningMarkers": ItemsRead(t.warning_marker, lambda r: WarningMarker(r.marker, r.recorded_on),
                                t.warning_marker.c.recorded_on),
}


class SqlPoliceConnector(SqlConnector, PoliceConnector):

    async def nominals(self, pnc_ids: Iterable[str]) -> dict[str, Nominal]:
        return await self.db.one_per_key(t.nominal, "pnc_id", pnc_ids, _nominal, _nominals_statement())

    async def with_list(self, keys: Collection[str], name: str
                        ) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
        read = LISTS.get(name)
        if read is None:
            return None
        return await self.db.with_items(t.nominal, "pnc_id", keys, _nominal, _nominals_statement(), read)

    async def arrests(self, pnc_ids: Iterable[str]) -> dict[str, list[Arrest]]:
        return await self.db.items("pnc_id", pnc_ids, LISTS["arrests"])

    async def intelligence(self, pnc_ids: Iterable[str]) -> dict[str, list[IntelligenceReport]]:
        return await self.db.items("pnc_id", pnc_ids, LISTS["intelligence"])

    async def warning_markers(self, pnc_ids: Iterable[str]) -> dict[str, list[WarningMarker]]:
        return await self.db.items("pnc_id", pnc_ids, LISTS["warningMarkers"])

    async def search(self, criteria: PoliceCriteria, among: Collection[str] | None = None) -> set[str]:
        stmt = select(t.nominal.c.pnc_id)
        if criteria.iom_cohorts is not None:
            stmt = stmt.where(t.nominal.c.iom_cohort.in_(sorted(c.value for c in criteria.iom_cohorts)))
        if criteria.arrested_since is not None:
            since = criteria.arrested_since
            if since.tzinfo is not None:  # the police system records naive UTC times
                since = since.astimezone(UTC).replace(tzinfo=None)
            stmt = stmt.where(
                t.nominal.c.pnc_id.in_(
                    select(t.arrest.c.pnc_id).where(t.arrest.c.arrested_at >= since)
                )
            )
        return await self.db.keys(stmt, among)

    async def caseload(self, user_id: str) -> set[str]:
        return await self.db.keys(select(t.nominal.c.pnc_id).where(t.nominal.c.iom_officer_id == user_id))

    async def order_values(self, field: str) -> dict[str, Any]:
        if field != "latestArrest":
            raise ValueError(f"police records cannot be ordered by {field}")
        a = t.arrest
        stmt = select(a.c.pnc_id, func.max(a.c.arrested_at)).group_by(a.c.pnc_id)
        return await self.db.values(stmt)

    async def counts(self, field: str) -> dict[str, int]:
        if field != "iomCohort":
            raise ValueError(f"police cannot count by {field}")
        n = t.nominal
        return await self.db.counts(select(n.c.iom_cohort, func.count()).where(n.c.iom_cohort.is_not(None))
                                  .group_by(n.c.iom_cohort))

    async def outcomes(self, field: str, released: Mapping[str, Sequence[date]]) -> dict[str, list[bool | None]]:
        if field != "provenReoffendingTwelveMonths":
            raise ValueError(f"police answer no outcome {field}")
        n, a = t.nominal, t.arrest
        known = await self.db.keys(select(n.c.pnc_id), among=released)
        if not known:
            return {}
        # Every arrest, once: the cohort is most of the nominals, so one scan beats keyed batches.
        arrests: dict[str, list[tuple[date, bool | None]]] = defaultdict(list)
        for row in await self.db.rows(select(a.c.pnc_id, a.c.arrested_at, a.c.outcome, a.c.convicted)):
            if row.pnc_id in known:  # arrested_at: naive UTC, as the police system records it
                arrests[row.pnc_id].append((row.arrested_at.date(),
                                            proven(ArrestOutcome(row.outcome), row.convicted)))
        return {pnc: [reoffended(arrests[pnc], on) for on in released[pnc]] for pnc in known}

    async def breakdown_values(self, field: str) -> dict[str, str]:
        if field != "iomCohort":
            raise ValueError(f"police records cannot be broken down by {field}")
        n = t.nominal
        # A nominal outside the IOM cohort is "none": known to the police, in no cohort.
        return {pnc: cohort or "none" for pnc, cohort in (await self.db.rows(select(n.c.pnc_id, n.c.iom_cohort)))}

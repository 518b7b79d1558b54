"""The employment connector: the interface the hub uses and its SQL implementation."""

from __future__ import annotations

from abc import abstractmethod
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Row

from connectors.employment import tables as t
from connectors.employment.records import (
    Adviser,
    EmploymentClient,
    EmploymentStatus,
    EteKind,
    EteReferral,
    EteReferralStatus,
    Job,
)
from connectors.sql_source import ItemsRead, SqlConnector
from hub.core.agency import Connector

#: The board's measures: in work this long after release (six weeks, six months).
SIX_WEEKS, SIX_MONTHS = timedelta(weeks=6), timedelta(days=182)
#: How each outcome is counted: (record field, how long after release).
OUTCOMES = {"employedSixWeeksAfterRelease": SIX_WEEKS, "employedSixMonthsAfterRelease": SIX_MONTHS}


class EmploymentConnector(Connector[None]):
    agency = "employment"
    key_scheme = "niNumber"

    @abstractmethod
    async def clients(self, ni_numbers: Iterable[str]) -> dict[str, EmploymentClient]: ...

    @abstractmethod
    async def ete_referrals(self, ni_numbers: Iterable[str]) -> dict[str, list[EteReferral]]:
        """Referrals to education, training and employment, newest first."""

    @abstractmethod
    async def jobs(self, ni_numbers: Iterable[str]) -> dict[str, list[Job]]:
        """Jobs, the latest start first."""


def in_work(jobs: Iterable[tuple[date, date | None]], on: date) -> bool:
    return any(start <= on and (end is None or end >= on) for start, end in jobs)


def outcome(released_on: date | None, after: timedelta, jobs: Iterable[tuple[date, date | None]],
            today: date) -> bool | None:
    """In work ``after`` the release; None when there was no release or the day has not come yet."""
    if released_on is None or released_on + after > today:
        return None
    return in_work(jobs, released_on + after)


def _today() -> date:
    return datetime.now(UTC).date()


#: The record's list fields (the descriptor's ``lists``), each as its table is read.
LISTS = {
    "eteReferrals": ItemsRead(
        t.ete_referral,
        lambda r: EteReferral(r.referral_id, EteKind(r.kind), r.referred_on, r.started_on, EteReferralStatus(r.status)),
        t.ete_referral.c.referred_on.desc()),
    "jobs": ItemsRead(t.job, lambda r: Job(r.job_id, r.employer, r.starts_on, r.ends_on, r.hours_per_week),
                      t.job.c.starts_on.desc()),
}


@cache
def _clients_statement() -> Select[Any]:
    c, a = t.employment_client, t.employment_adviser
    return select(c, a.c.name, a.c.office, a.c.phone).outerjoin(a, a.c.adviser_id == c.c.adviser_id)


@cache
def _spells_statement() -> Select[Any]:
    j = t.job
    return select(j.c.ni_number, j.c.starts_on, j.c.ends_on)


class SqlEmploymentConnector(SqlConnector, EmploymentConnector):
    async def _spells(self, ni_numbers: Iterable[str]) -> dict[str, list[tuple[date, date | None]]]:
        spells: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
        for rows in await self.db.chunked(t.job, "ni_number", ni_numbers, _spells_statement()):
            for row in rows:
                spells[row.ni_number].append((row.starts_on, row.ends_on))
        return spells

    async def clients(self, ni_numbers: Iterable[str]) -> dict[str, EmploymentClient]:
        keys = list(ni_numbers)
        rows = await self.db.one_per_key(t.employment_client, "ni_number", keys, lambda row: row,
                                         _clients_statement())
        released = [k for k, row in rows.items() if row.released_on is not None]
        spells, today = await self._spells(released) if released else {}, _today()
        return {k: _client(row, spells.get(k, []), today) for k, row in rows.items()}

    async def ete_referrals(self, ni_numbers: Iterable[str]) -> dict[str, list[EteReferral]]:
        return await self.db.items("ni_number", ni_numbers, LISTS["eteReferrals"])

    async def jobs(self, ni_numbers: Iterable[str]) -> dict[str, list[Job]]:
        return await self.db.items("ni_number", ni_numbers, LISTS["jobs"])

    async def search(self, criteria: None, among: Collection[str] | None = None) -> set[str]:
        return await self.db.keys(select(t.employment_client.c.ni_number), among)

    async def caseload(self, user_id: str) -> set[str]:
        c = t.employment_client
        return await self.db.keys(select(c.c.ni_number).where(c.c.adviser_id == user_id))

    async def referred(self, on: date) -> set[str]:
        """People referred to the service for education, training or employment, not yet closed."""
        r = t.ete_referral
        return await self.db.keys(select(r.c.ni_number).where(r.c.status != EteReferralStatus.CLOSED.value,
                                                              r.c.referred_on <= on))

    async def counts(self, field: str) -> dict[str, int]:
        c = t.employment_client
        if field != "employmentStatus":
            raise ValueError(f"employment records cannot be counted by {field}")
        return await self.db.counts(select(c.c.status, func.count()).group_by(c.c.status))

    async def outcomes(self, field: str, released: Mapping[str, Sequence[date]]) -> dict[str, list[bool | None]]:
        after = OUTCOMES.get(field)
        if after is None:
            raise ValueError(f"employment answers no outcome {field}")
        c, j = t.employment_client, t.job
        known = await self.db.keys(select(c.c.ni_number), among=released)
        if not known:
            return {}
        # Every job, once: the cohort is most of the agency's clients, so one scan beats keyed batches.
        spells: dict[str, list[tuple[date, date | None]]] = defaultdict(list)
        for row in await self.db.rows(select(j.c.ni_number, j.c.starts_on, j.c.ends_on)):
            if row.ni_number in known:
                spells[row.ni_number].append((row.starts_on, row.ends_on))
        return {ni: [in_work(spells[ni], on + after) for on in released[ni]] for ni in known}


def _client(row: Row[Any], spells: list[tuple[date, date | None]], today: date) -> EmploymentClient:
    adviser = Adviser(row.adviser_id, row.name, row.office, row.phone) if row.adviser_id is not None else None
    return EmploymentClient(
        ni_number=row.ni_number, surname=row.surname, forenames=row.forenames, date_of_birth=row.date_of_birth,
        status=EmploymentStatus(row.status), status_since=row.status_since, adviser=adviser,
        released_on=row.released_on,
        employed_six_weeks_after_release=outcome(row.released_on, SIX_WEEKS, spells, today),
        employed_six_months_after_release=outcome(row.released_on, SIX_MONTHS, spells, today),
    )

"""The treatment connector: interface and SQL implementation."""

from __future__ import annotations

from abc import abstractmethod
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, case, cast, exists, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from connectors.sql_source import ItemsRead, SqlConnector
from connectors.treatment import tables as t
from connectors.treatment.records import (
    Appointment,
    Consent,
    Episode,
    OstPrescription,
    RequirementKind,
    Substance,
    TreatmentClient,
    TreatmentRequirement,
)
from hub.core.agency import Connector


class TreatmentConnector(Connector[None]):
    agency = "treatment"
    key_scheme = "nhsNumber"

    @abstractmethod
    async def clients(self, nhs_numbers: Iterable[str]) -> dict[str, TreatmentClient]: ...

    @abstractmethod
    async def episodes(self, nhs_numbers: Iterable[str]) -> dict[str, list[Episode]]: ...

    @abstractmethod
    async def ost_prescriptions(self, nhs_numbers: Iterable[str]) -> dict[str, list[OstPrescription]]: ...

    @abstractmethod
    async def requirements(self, nhs_numbers: Iterable[str]) -> dict[str, list[TreatmentRequirement]]: ...

    @abstractmethod
    async def appointments(self, nhs_numbers: Iterable[str]) -> dict[str, list[Appointment]]: ...

    @abstractmethod
    async def consents(self, nhs_numbers: Iterable[str]) -> dict[str, list[Consent]]: ...


#: The board's measure: engaged in treatment within this many days after release from custody.
ENGAGEMENT_WINDOW = timedelta(days=21)


def engaged_within(seen: Iterable[date], released: date) -> bool:
    """Any day the service saw the client (an episode's start, an attended appointment) in the window."""
    return any(released <= day <= released + ENGAGEMENT_WINDOW for day in seen)


def _today() -> date:
    return datetime.now(UTC).date()


def _client(row: Row[Any], today: date) -> TreatmentClient:
    shares = frozenset(row.share_with.split(",")) if row.share_with else frozenset()
    released: date | None = row.released_on
    # Not known until the 21 days have passed (nor for someone never released).
    within = None if released is None or released + ENGAGEMENT_WINDOW > today else bool(row.engaged_after_release)
    return TreatmentClient(row.nhs_number, row.surname, row.forenames, row.date_of_birth, row.service,
                           bool(row.engaged), shares, released, within)


def _engaged_after_release(sqlite: bool) -> Any:
    """An episode started, or an appointment attended, from the handed-over release day to 21 days after
    it: in the same statement as the client (correlated, an index lookup each), not one more per page."""
    c, e, a = t.treatment_client, t.episode, t.appointment
    last: ColumnElement[Any]
    seen_on: ColumnElement[Any]
    if sqlite:  # dates are ISO text there
        last = func.date(c.c.released_on, f"+{ENGAGEMENT_WINDOW.days} days")
        seen_on = func.date(a.c.scheduled_at)
    else:
        last, seen_on = c.c.released_on + ENGAGEMENT_WINDOW.days, cast(a.c.scheduled_at, Date)
    return or_(
        exists().where(e.c.nhs_number == c.c.nhs_number, e.c.started_on >= c.c.released_on,
                       e.c.started_on <= last),
        exists().where(a.c.nhs_number == c.c.nhs_number, a.c.attended.is_(True),
                       seen_on >= c.c.released_on, seen_on <= last),
    )


@cache
def _clients_statement(sqlite: bool) -> Select[Any]:
    """Built once per dialect: building it cost more than running it for one person (pyinstrument, profile)."""
    c, e, k = t.treatment_client, t.episode, t.consent
    engaged = exists().where(e.c.nhs_number == c.c.nhs_number, e.c.ended_on.is_(None))
    shares = (
        select(func.group_concat(k.c.share_with) if sqlite else func.string_agg(k.c.share_with, ","))
        .where(k.c.nhs_number == c.c.nhs_number, k.c.withdrawn_on.is_(None))
        .scalar_subquery()
    )
    return select(c, engaged.label("engaged"), shares.label("share_with"),
                  _engaged_after_release(sqlite).label("engaged_after_release"))


#: The record's list fields (the descriptor's ``lists``), each as its table is read.
LISTS = {
    "episodes": ItemsRead(
        t.episode,
        lambda r: Episode(r.episode_id, Substance(r.substance), r.started_on, r.ended_on, r.discharge_reason),
        t.episode.c.started_on.desc()),
    "ostPrescriptions": ItemsRead(
        t.ost_prescription,
        lambda r: OstPrescription(r.prescription_id, r.medication, r.daily_dose_mg, r.prescriber, r.started_on,
                                  r.ended_on),
        t.ost_prescription.c.started_on.desc()),
    "requirements": ItemsRead(
        t.treatment_requirement,
        lambda r: TreatmentRequirement(r.requirement_id, RequirementKind(r.kind), r.starts_on, r.ends_on),
        t.treatment_requirement.c.starts_on.desc()),
    "appointments": ItemsRead(
        t.appointment,
        lambda r: Appointment(r.appointment_id, r.scheduled_at, r.kind,
                              None if r.attended is None else bool(r.attended)),
        t.appointment.c.scheduled_at.desc()),
    "consents": ItemsRead(
        t.consent, lambda r: Consent(r.consent_id, r.share_with, r.recorded_on, r.withdrawn_on),
        t.consent.c.recorded_on.desc()),
}


class SqlTreatmentConnector(SqlConnector, TreatmentConnector):

    async def clients(self, nhs_numbers: Iterable[str]) -> dict[str, TreatmentClient]:
        today = _today()
        return await self.db.one_per_key(t.treatment_client, "nhs_number", nhs_numbers,
                                         lambda row: _client(row, today), _clients_statement(self._sqlite))

    async def with_list(self, keys: Collection[str], name: str
                        ) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
        read = LISTS.get(name)
        if read is None:
            return None
        today = _today()
        return await self.db.with_items(t.treatment_client, "nhs_number", keys, lambda row: _client(row, today),
                                        _clients_statement(self._sqlite), read)

    @property
    def _sqlite(self) -> bool:
        return self.db.engine.dialect.name == "sqlite"

    async def episodes(self, nhs_numbers: Iterable[str]) -> dict[str, list[Episode]]:
        return await self.db.items("nhs_number", nhs_numbers, LISTS["episodes"])

    async def ost_prescriptions(self, nhs_numbers: Iterable[str]) -> dict[str, list[OstPrescription]]:
        return await self.db.items("nhs_number", nhs_numbers, LISTS["ostPrescriptions"])

    async def requirements(self, nhs_numbers: Iterable[str]) -> dict[str, list[TreatmentRequirement]]:
        return await self.db.items("nhs_number", nhs_numbers, LISTS["requirements"])

    async def appointments(self, nhs_numbers: Iterable[str]) -> dict[str, list[Appointment]]:
        return await self.db.items("nhs_number", nhs_numbers, LISTS["appointments"])

    async def consents(self, nhs_numbers: Iterable[str]) -> dict[str, list[Consent]]:
        return await self.db.items("nhs_number", nhs_numbers, LISTS["consents"])

    async def referred(self, on: date) -> set[str]:
        """NHS numbers with a treatment requirement (DRR, ATR, MHTR) in force on that day."""
        r = t.treatment_requirement
        return await self.db.keys(select(r.c.nhs_number).where(
            r.c.starts_on <= on, or_(r.c.ends_on.is_(None), r.c.ends_on >= on)))

    async def search(self, criteria: None, among: Collection[str] | None = None) -> set[str]:
        return await self.db.keys(select(t.treatment_client.c.nhs_number), among)

    async def caseload(self, user_id: str) -> set[str]:
        """A keyworker's clients, and those a prison healthcare team cares for in custody and on release."""
        c = t.treatment_client
        return await self.db.keys(select(c.c.nhs_number).where(
            or_(c.c.keyworker_id == user_id, c.c.prison_healthcare_team == user_id)))

    async def counts(self, field: str) -> dict[str, int]:
        if field != "engaged":
            raise ValueError(f"treatment cannot count by {field}")
        c, e = t.treatment_client, t.episode
        open_episode = exists().where(e.c.nhs_number == c.c.nhs_number, e.c.ended_on.is_(None))
        # One row per client first: selecting only the CASE, the EXISTS correlated the client table
        # away and the statement had no FROM at all (one row, counted once).
        per_client = select(case((open_episode, "true"), else_="false").label("v")).select_from(c).subquery()
        return await self.db.counts(select(per_client.c.v, func.count()).group_by(per_client.c.v))

    async def outcomes(self, field: str, released: Mapping[str, Sequence[date]]) -> dict[str, list[bool | None]]:
        if field != "engagedWithin21DaysOfRelease":
            raise ValueError(f"treatment answers no outcome {field}")
        c, e, a = t.treatment_client, t.episode, t.appointment
        known = await self.db.keys(select(c.c.nhs_number), among=released)
        if not known:
            return {}
        # Every episode and attendance, once: the cohort is most of the clients, so one scan beats keyed batches.
        seen: dict[str, list[date]] = defaultdict(list)
        for row in await self.db.rows(select(e.c.nhs_number, e.c.started_on)):
            if row.nhs_number in known:
                seen[row.nhs_number].append(row.started_on)
        for row in await self.db.rows(select(a.c.nhs_number, a.c.scheduled_at).where(a.c.attended.is_(True))):
            if row.nhs_number in known:
                seen[row.nhs_number].append(row.scheduled_at.date())
        return {nhs: [engaged_within(seen[nhs], on) for on in released[nhs]] for nhs in known}

"""The probation connector: interface and SQL implementation."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Collection, Iterable
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.engine import Row

from connectors.probation import tables as t
from connectors.probation.records import (
    CustodyStatus,
    LicenceCondition,
    LicenceConditionKind,
    Offender,
    OffenderManager,
    Pathway,
    ProbationCriteria,
    Referral,
    ReleaseType,
    RoshLevel,
    Sentence,
    SentenceKind,
)
from connectors.sql_source import ItemsRead, SqlConnector
from hub.core.agency import NOT_KNOWN, Connector, Release
from hub.core.offences import OffenceType, grouped_offences, offences_in
from hub.core.ogrs import band_of_column


class ProbationConnector(Connector[ProbationCriteria]):
    agency = "probation"
    key_scheme = "crn"

    @abstractmethod
    async def offenders(self, crns: Iterable[str]) -> dict[str, Offender]: ...

    @abstractmethod
    async def sentences(self, crns: Iterable[str]) -> dict[str, list[Sentence]]: ...

    @abstractmethod
    async def licence_conditions(self, crns: Iterable[str]) -> dict[str, list[LicenceCondition]]: ...

    @abstractmethod
    async def referrals(self, crns: Iterable[str]) -> dict[str, list[Referral]]: ...



def _latest_release() -> Any:
    """Per CRN, the latest custodial release date (planned or past) and its type."""
    s = t.sentence
    ranked = (
        select(
            s.c.crn,
            s.c.release_date,
            s.c.release_type,
            func.row_number().over(partition_by=s.c.crn, order_by=(s.c.release_date.desc(), s.c.sentence_id.desc())
                                ).label("rn"),
        )
        .where(s.c.release_date.is_not(None))
        .subquery()
    )
    return select(ranked.c.crn, ranked.c.release_date, ranked.c.release_type).where(ranked.c.rn == 1).subquery()


def _latest_sentence(column: Any) -> Any:
    """``column`` of the offender's sentence with the latest release date (ties: the latest sentence)."""
    s = t.sentence
    return (select(column).where(s.c.crn == t.offender.c.crn, s.c.release_date.is_not(None))
            .order_by(s.c.release_date.desc(), s.c.sentence_id.desc()).limit(1).scalar_subquery())


@cache
def _offenders_statement() -> Select[Any]:
    """Offenders with their manager and latest release, built once: its four correlated subqueries cost
    more to construct than a profile's whole probation read takes to run (pyinstrument, lookup)."""
    o, om = t.offender, t.offender_manager
    # Correlated per offender (an index lookup on sentence.crn each), not a window over every
    # sentence: the cost follows the batch, not the size of the agency's database.
    return (
        select(o, om.c.staff_code, om.c.name, om.c.team, om.c.borough, om.c.email, om.c.phone,
               _latest_sentence(t.sentence.c.release_date).label("release_date"),
               _latest_sentence(t.sentence.c.release_type).label("release_type"),
               _latest_sentence(t.sentence.c.release_establishment).label("release_establishment"),
               _latest_sentence(t.sentence.c.release_decided_on).label("release_decided_on"))
        .outerjoin(om, om.c.staff_code == o.c.offender_manager_code)
    )


def _current_offence() -> Any:
    """The offence of the offender's current order: their latest sentence (ties: the latest recorded)."""
    s = t.sentence
    return (select(s.c.offence).where(s.c.crn == t.offender.c.crn)
            .order_by(s.c.sentenced_on.desc(), s.c.sentence_id.desc()).limit(1).scalar_subquery())


def _offence_in(groups: frozenset[OffenceType]) -> Any:
    """The current offence is in one of these groups (an offence the mapping does not list is OTHER)."""
    current = _current_offence()
    matches = current.in_(offences_in(groups))
    return or_(matches, current.not_in(grouped_offences())) if OffenceType.OTHER in groups else matches


def _offender(row: Row[Any]) -> Offender:
    om = (
        OffenderManager(row.staff_code, row.name, row.team, row.borough, row.email, row.phone)
        if row.staff_code is not None
        else None
    )
    return Offender(
        crn=row.crn,
        pnc_id=row.pnc_id,
        prison_number=row.prison_number,
        surname=row.surname,
        forenames=row.forenames,
        date_of_birth=row.date_of_birth,
        tier=row.tier,
        ogrs_score=row.ogrs_score,
        rosh_level=RoshLevel(row.rosh_level),
        mappa_category=row.mappa_category,
        mappa_level=row.mappa_level,
        custody_status=CustodyStatus(row.custody_status),
        offender_manager=om,
        release_date=row.release_date,
        release_type=ReleaseType(row.release_type) if row.release_type else None,
        release_establishment=row.release_establishment,
        release_notice_days=(row.release_date - row.release_decided_on).days
        if row.release_date is not None and row.release_decided_on is not None else None,
        domestic_abuse_perpetrator=bool(row.domestic_abuse_perpetrator),
        mappa_next_review=row.mappa_next_review,
    )


def _sentence(row: Row[Any]) -> Sentence:
    return Sentence(
        row.sentence_id, SentenceKind(row.kind), row.offence, row.sentenced_on, row.length_months,
        row.release_date, ReleaseType(row.release_type) if row.release_type else None,
        row.licence_end_date, row.recalled_on, row.breached_on,
    )


#: The record's list fields (the descriptor's ``lists``), each as its table is read.
LISTS = {
    "sentences": ItemsRead(t.sentence, _sentence, t.sentence.c.sentenced_on.desc()),
    "licenceConditions": ItemsRead(
        t.licence_condition,
        lambda r: LicenceCondition(r.condition_id, LicenceConditionKind(r.kind), r.description, r.starts_on,
                                   r.ends_on),
        t.licence_condition.c.starts_on),
    "referrals": ItemsRead(
        t.referral, lambda r: Referral(r.referral_id, Pathway(r.pathway), r.referred_on, bool(r.open)),
        t.referral.c.referred_on.desc()),
}


class SqlProbationConnector(SqlConnector, ProbationConnector):

    async def offenders(self, crns: Iterable[str]) -> dict[str, Offender]:
        return await self.db.one_per_key(t.offender, "crn", crns, _offender, _offenders_statement())

    async def with_list(self, keys: Collection[str], name: str
                        ) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
        read = LISTS.get(name)
        if read is None:
            return None
        return await self.db.with_items(t.offender, "crn", keys, _offender, _offenders_statement(), read)

    async def sentences(self, crns: Iterable[str]) -> dict[str, list[Sentence]]:
        return await self.db.items("crn", crns, LISTS["sentences"])

    async def licence_conditions(self, crns: Iterable[str]) -> dict[str, list[LicenceCondition]]:
        return await self.db.items("crn", crns, LISTS["licenceConditions"])

    async def referrals(self, crns: Iterable[str]) -> dict[str, list[Referral]]:
        return await self.db.items("crn", crns, LISTS["referrals"])

    async def search(self, criteria: ProbationCriteria, among: Collection[str] | None = None) -> set[str]:
        o = t.offender
        stmt = select(o.c.crn)
        if criteria.mappa_levels is not None:
            stmt = stmt.where(o.c.mappa_level.in_(sorted(criteria.mappa_levels)))
        if criteria.ogrs_bands is not None:
            stmt = stmt.where(or_(*(
                and_(o.c.ogrs_score >= band.score_range[0], o.c.ogrs_score <= band.score_range[1])
                for band in sorted(criteria.ogrs_bands, key=lambda b: b.value)
            )))
        if criteria.released_from is not None or criteria.released_to is not None:
            s = t.sentence
            released = select(s.c.crn).where(s.c.release_date.is_not(None))
            if criteria.released_from is not None:
                released = released.where(s.c.release_date >= criteria.released_from)
            if criteria.released_to is not None:
                released = released.where(s.c.release_date <= criteria.released_to)
            stmt = stmt.where(o.c.crn.in_(released))
        if criteria.offence_types is not None:
            stmt = stmt.where(_offence_in(criteria.offence_types))
        if criteria.release_types is not None:
            stmt = stmt.where(_latest_sentence(t.sentence.c.release_type).in_(
                sorted(r.value for r in criteria.release_types)))
        if criteria.open_referral_pathways is not None:
            r = t.referral
            stmt = stmt.where(o.c.crn.in_(select(r.c.crn).where(
                r.c.open, r.c.pathway.in_(sorted(p.value for p in criteria.open_referral_pathways)))))
        if (day := criteria.licence_conditions_in_force_on) is not None:
            lc = t.licence_condition
            stmt = stmt.where(o.c.crn.in_(select(lc.c.crn).where(
                lc.c.starts_on <= day, or_(lc.c.ends_on.is_(None), lc.c.ends_on >= day))))
        return await self.db.keys(stmt, among)

    async def caseload(self, user_id: str) -> set[str]:
        """An offender manager's cases, and the cases a MAPPA coordinator reviews (MAPPA's review list)."""
        o = t.offender
        return await self.db.keys(select(o.c.crn).where(
            or_(o.c.offender_manager_code == user_id, o.c.mappa_coordinator_id == user_id)))

    async def victim_cases(self, user_id: str) -> set[str]:
        return await self.db.keys(
            select(t.victim_case.c.crn).where(t.victim_case.c.liaison_officer_id == user_id)
        )

    async def open_referrals(self, pathway: str) -> set[str]:
        r = t.referral
        return await self.db.keys(select(r.c.crn).where(r.c.pathway == Pathway(pathway).value, r.c.open))

    async def order_values(self, field: str) -> dict[str, Any]:
        if field == "ogrsScore":
            stmt = select(t.offender.c.crn, t.offender.c.ogrs_score)
        elif field == "releaseDate":
            release = _latest_release()
            stmt = select(release.c.crn, release.c.release_date)
        else:
            raise ValueError(f"probation records cannot be ordered by {field}")
        return await self.db.values(stmt)

    async def counts(self, field: str) -> dict[str, int]:
        o = t.offender
        column: Any
        if field == "ogrsBand":
            column = band_of_column(o.c.ogrs_score)
        elif field == "roshLevel":
            column = o.c.rosh_level
        elif field == "mappaLevel":
            column = o.c.mappa_level
        else:
            raise ValueError(f"probation cannot count by {field}")
        return await self.db.counts(select(column.label("v"), func.count()).where(column.is_not(None))
                                  .group_by(column))

    async def releases(self) -> list[Release]:
        s = t.sentence
        rows = await self.db.rows(select(s.c.crn, s.c.release_date, s.c.release_type)
                                  .where(s.c.release_date.is_not(None)))
        return [Release(r.crn, r.release_date, {"releaseType": r.release_type or NOT_KNOWN}) for r in rows]

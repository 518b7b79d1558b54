"""The housing connector: interface and SQL implementation."""

from __future__ import annotations

from abc import abstractmethod
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row

from connectors.housing import tables as t
from connectors.housing.outcomes import Spell, outcome
from connectors.housing.records import (
    AccommodationStatus,
    Address,
    DutyStage,
    DutyToRefer,
    HousingClient,
    HousingCriteria,
    Placement,
    PlacementKind,
)
from connectors.sql_source import ItemsRead, SqlConnector
from hub.core.agency import Connector


class HousingConnector(Connector[HousingCriteria]):
    agency = "housing"
    key_scheme = "housingReference"

    @abstractmethod
    async def clients(self, refs: Iterable[str]) -> dict[str, HousingClient]: ...

    @abstractmethod
    async def duty_to_refer(self, refs: Iterable[str]) -> dict[str, list[DutyToRefer]]: ...

    @abstractmethod
    async def placements(self, refs: Iterable[str]) -> dict[str, list[Placement]]: ...


def _client(row: Row[Any]) -> HousingClient:
    address = Address(row.address_line, row.postcode, row.uprn) if row.postcode else None
    return HousingClient(
        housing_ref=row.housing_ref,
        surname=row.surname,
        forenames=row.forenames,
        date_of_birth=row.date_of_birth,
        address=address,
        last_known_borough=row.borough,
        accommodation_status=AccommodationStatus(row.accommodation_status),
        status_since=row.status_since,
        duty_stage=DutyStage(row.duty_stage),
    )


#: The record's list fields (the descriptor's ``lists``), each as its table is read.
LISTS = {
    "dutyToRefer": ItemsRead(
        t.duty_to_refer, lambda r: DutyToRefer(r.referral_id, r.referred_on, r.referring_agency, r.status),
        t.duty_to_refer.c.referred_on.desc()),
    "placements": ItemsRead(
        t.placement,
        lambda r: Placement(r.placement_id, PlacementKind(r.kind), r.provider, r.starts_on, r.ends_on),
        t.placement.c.starts_on.desc()),
}


class SqlHousingConnector(SqlConnector, HousingConnector):

    async def clients(self, refs: Iterable[str]) -> dict[str, HousingClient]:
        return await self.db.one_per_key(t.housing_client, "housing_ref", refs, _client)

    async def with_list(self, keys: Collection[str], name: str
                        ) -> tuple[dict[str, Any], dict[str, list[Any]]] | None:
        read = LISTS.get(name)
        if read is None:
            return None
        return await self.db.with_items(t.housing_client, "housing_ref", keys, _client, None, read)

    async def duty_to_refer(self, refs: Iterable[str]) -> dict[str, list[DutyToRefer]]:
        return await self.db.items("housing_ref", refs, LISTS["dutyToRefer"])

    async def placements(self, refs: Iterable[str]) -> dict[str, list[Placement]]:
        return await self.db.items("housing_ref", refs, LISTS["placements"])

    async def referred(self, on: date) -> set[str]:
        """Housing references with a Duty to Refer referral still open (received or accepted, not closed)."""
        d = t.duty_to_refer
        return await self.db.keys(select(d.c.housing_ref).where(d.c.status != "closed"))

    async def search(self, criteria: HousingCriteria, among: Collection[str] | None = None) -> set[str]:
        c = t.housing_client
        stmt = select(c.c.housing_ref)
        if criteria.boroughs is not None:
            stmt = stmt.where(c.c.borough.in_(sorted(criteria.boroughs)))
        if criteria.accommodation_statuses is not None:
            stmt = stmt.where(
                c.c.accommodation_status.in_(sorted(s.value for s in criteria.accommodation_statuses))
            )
        if criteria.duty_stages is not None:
            stmt = stmt.where(c.c.duty_stage.in_(sorted(s.value for s in criteria.duty_stages)))
        return await self.db.keys(stmt, among)

    async def caseload(self, user_id: str) -> set[str]:
        c = t.housing_client
        return await self.db.keys(select(c.c.housing_ref).where(c.c.housing_officer_id == user_id))

    async def counts(self, field: str) -> dict[str, int]:
        c = t.housing_client
        columns = {"accommodationStatus": c.c.accommodation_status, "dutyStage": c.c.duty_stage}
        if field not in columns:
            raise ValueError(f"housing cannot count by {field}")
        return await self.db.counts(select(columns[field], func.count()).group_by(columns[field]))

    async def outcomes(self, field: str, released: Mapping[str, Sequence[date]]) -> dict[str, list[bool | None]]:
        """Read from the accommodation history; a client with no spell at all still answers (not known)."""
        c, h = t.housing_client, t.accommodation_spell
        clients = await self.db.keys(select(c.c.housing_ref), among=released)
        if not clients:
            return {}
        # The whole history, once: the cohort is most of the agency's clients, so one scan beats keyed batches.
        spells: dict[str, list[Spell]] = defaultdict(list)
        for r in await self.db.rows(select(h.c.housing_ref, h.c.status, h.c.starts_on, h.c.ends_on)):
            if r.housing_ref in clients:
                spells[r.housing_ref].append((r.status, r.starts_on, r.ends_on))
        return {ref: [outcome(field, spells[ref], on) for on in released[ref]] for ref in clients}

    async def breakdown_values(self, field: str) -> dict[str, str]:
        if field != "lastKnownBorough":  # where they live; no fixed abode: the last borough, managing the case
            raise ValueError(f"housing records cannot be broken down by {field}")
        c = t.housing_client
        return await self.db.values(select(c.c.housing_ref, c.c.borough))

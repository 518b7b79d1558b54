"""The running hub: every store and service a request may need, opened and closed together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.http.connector import connect_http
from connectors.registry import AGENCIES
from hub.core.agency import Agency, Connector
from hub.core.db import InvalidDatabaseURL, create_engine
from hub.core.errors import ConfigurationError
from hub.core.settings import Settings
from hub.services.agencies import Agencies
from hub.services.caseload import CaseloadCache
from hub.services.counts import CountTables
from hub.services.index.store import PersonIndex
from hub.services.people import PeopleService


@dataclass
class Hub:
    settings: Settings
    index: PersonIndex
    agencies: Agencies
    people: PeopleService
    caseloads: CaseloadCache
    counts: CountTables

    @classmethod
    def open(cls, settings: Settings) -> Hub:
        unknown = sorted(set(settings.agency_urls) - {a.name for a in AGENCIES})
        if unknown:
            raise ConfigurationError(f"HUB_{unknown[0].upper()}_DB names no registered agency (registered: "
                                     f"{', '.join(a.name for a in AGENCIES)})")
        unknown = sorted(set(settings.agency_services) - {a.name for a in AGENCIES})
        if unknown:
            raise ConfigurationError(f"HUB_{unknown[0].upper()}_API names no registered agency")
        try:
            index = PersonIndex(create_engine(settings.index_url))
            agencies = Agencies((a.agency, connect(a.agency, settings)) for a in AGENCIES)
        except InvalidDatabaseURL as exc:
            raise ConfigurationError(str(exc)) from exc
        people = PeopleService(index, agencies)
        return cls(settings, index, agencies, people, CaseloadCache(settings.caseload_ttl_seconds),
                   CountTables(index, agencies, settings.counts_ttl_seconds))

    def sql_engines(self) -> dict[str, AsyncEngine]:
        """The SQLAlchemy engines behind the index and the SQL connectors (for statement counts)."""
        engines = {"index": self.index.engine}
        for name, connector in self.agencies.items():
            db = getattr(connector, "db", None)
            if db is not None:
                engines[name] = db.engine
        return engines

    def circuits(self) -> dict[str, str]:
        """The circuit of each agency reached over its API: closed, open or half_open."""
        return {name: str(c.circuit) for name, c in self.agencies.items() if hasattr(c, "circuit")}

    async def readiness(self) -> dict[str, str | None]:
        checks = await self.agencies.health()
        try:
            await self.index.health()
            checks["index"] = None
        except Exception as exc:  # any failure means not ready
            checks["index"] = type(exc).__name__
        return checks

    async def close(self) -> None:
        await self.agencies.close()
        await self.index.close()


def connect(agency: Agency, settings: Settings) -> Connector[Any]:
    """The agency's connector: over its API when ``HUB_<AGENCY>_API`` is set, else over its database."""
    if settings.agency_api(agency.name) is not None:
        return connect_http(agency, settings)
    return agency.connect(create_engine(settings.agency_url(agency.name)))

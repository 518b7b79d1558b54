"""The set of agency connectors the hub runs with."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from connectors.housing.connector import HousingConnector, SqlHousingConnector
from connectors.police.connector import PoliceConnector, SqlPoliceConnector
from connectors.probation.connector import ProbationConnector, SqlProbationConnector
from connectors.treatment.connector import SqlTreatmentConnector, TreatmentConnector
from hub.core.agency import Connector, SourceUnavailable
from hub.core.db import create_engine
from hub.core.settings import Settings


@dataclass(frozen=True)
class Agencies:
    police: PoliceConnector
    probation: ProbationConnector
    housing: HousingConnector
    treatment: TreatmentConnector

    @classmethod
    def from_settings(cls, settings: Settings) -> Agencies:
        return cls(
            police=SqlPoliceConnector(create_engine(settings.agency_url("police"))),
            probation=SqlProbationConnector(create_engine(settings.agency_url("probation"))),
            housing=SqlHousingConnector(create_engine(settings.agency_url("housing"))),
            treatment=SqlTreatmentConnector(create_engine(settings.agency_url("treatment"))),
        )

    def all(self) -> dict[str, Connector[Any]]:
        return {
            "police": self.police,
            "probation": self.probation,
            "housing": self.housing,
            "treatment": self.treatment,
        }

    async def health(self) -> dict[str, str | None]:
        """Per agency: None when it answers, else the kind of failure (never the details)."""

        async def check(c: Connector[Any]) -> str | None:
            try:
                await asyncio.wait_for(c.health(), timeout=3)
            except SourceUnavailable as exc:
                return exc.failure
            except Exception as exc:  # any failure means not ready
                return type(exc).__name__
            return None

        names = list(self.all())
        results = await asyncio.gather(*(check(c) for c in self.all().values()))
        return dict(zip(names, results, strict=True))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.all().values()))

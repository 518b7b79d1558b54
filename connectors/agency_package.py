"""An agency package's registration: what the hub knows of the agency, below the graph and in it."""

from __future__ import annotations

from dataclasses import dataclass

from hub.core.agency import Agency
from schema.governance.agency_graph import AgencyGraph


@dataclass(frozen=True)
class AgencyPackage:
    #: name, identifier schemes, connector, tables, loads, measures, referrals, synthetic data
    agency: Agency
    #: its record's GraphQL type and how a released record is built
    graph: AgencyGraph

    @property
    def name(self) -> str:
        return self.agency.name

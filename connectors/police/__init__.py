"""Police: the PNC nominal with IOM cohort, arrests and custody outcomes, warning markers, intelligence."""

from datetime import datetime

from connectors.agency_package import AgencyPackage
from connectors.police import events, tables
from connectors.police.connector import PoliceConnector, SqlPoliceConnector
from connectors.police.graphql import GRAPH
from connectors.police.outcomes import OUTCOMES
from connectors.police.synthetic import PoliceSynthesiser
from hub.core.agency import Agency, Order, Scheme
from hub.core.identifiers import validate_cro_number, validate_pnc_id

PACKAGE = AgencyPackage(Agency(
    name="police",
    description="Police (PNC, custody, intelligence)",
    schemes=(Scheme("pncId", "Police National Computer ID, YYYY/NNNNNNNC", validate_pnc_id),
             Scheme("croNumber", "Criminal Records Office number, NNNNNN/YYC", validate_cro_number)),
    record_type="PoliceRecord",
    connect=SqlPoliceConnector,
    tables=tables.metadata,
    records=PoliceConnector.nominals,
    lists={"arrests": PoliceConnector.arrests, "warningMarkers": PoliceConnector.warning_markers,
           "intelligence": PoliceConnector.intelligence},
    orders=(Order("LATEST_ARREST", "latestArrest", "PoliceRecord.arrests", datetime.fromisoformat),),
    measures={"IOM_COHORT": "iomCohort"},
    outcomes=OUTCOMES,
    breakdowns={"IOM_COHORT": "iomCohort"},
    capture=events.CAPTURE,
    synthetic=PoliceSynthesiser(),
), GRAPH)

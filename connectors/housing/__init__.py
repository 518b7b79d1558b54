"""Housing: the local authority's housing options service (status, duty stage, Duty to Refer, placements)."""

from connectors.agency_package import AgencyPackage
from connectors.housing import events, tables
from connectors.housing.connector import HousingConnector, SqlHousingConnector
from connectors.housing.graphql import GRAPH
from connectors.housing.outcomes import OUTCOMES
from connectors.housing.synthetic import HousingSynthesiser
from hub.core.agency import Agency, Scheme
from hub.core.identifiers import validate_housing_reference

PACKAGE = AgencyPackage(Agency(
    name="housing",
    description="Local-authority housing options",
    schemes=(Scheme("housingReference", "Housing options case reference, HR followed by 8 digits",
                    validate_housing_reference),),
    record_type="HousingRecord",
    connect=SqlHousingConnector,
    tables=tables.metadata,
    records=HousingConnector.clients,
    lists={"dutyToRefer": HousingConnector.duty_to_refer, "placements": HousingConnector.placements},
    measures={"ACCOMMODATION_STATUS": "accommodationStatus", "DUTY_STAGE": "dutyStage"},
    outcomes=OUTCOMES,
    breakdowns={"BOROUGH": "lastKnownBorough"},
    referral_pathway="accommodation",
    capture=events.CAPTURE,
    synthetic=HousingSynthesiser(),
), GRAPH)

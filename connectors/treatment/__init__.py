"""Treatment: the drug and alcohol service (engagement, episodes, OST, court-ordered requirements, consent)."""

from connectors.agency_package import AgencyPackage
from connectors.treatment import tables
from connectors.treatment.connector import SqlTreatmentConnector, TreatmentConnector
from connectors.treatment.graphql import GRAPH
from connectors.treatment.outcomes import OUTCOMES
from connectors.treatment.synthetic import TreatmentSynthesiser
from hub.core.agency import Agency, Scheme
from hub.core.identifiers import validate_nhs_number

PACKAGE = AgencyPackage(Agency(
    name="treatment",
    description="Drug and alcohol treatment",
    schemes=(Scheme("nhsNumber", "NHS number, 10 digits with a modulus 11 check digit", validate_nhs_number),),
    record_type="TreatmentRecord",
    connect=SqlTreatmentConnector,
    tables=tables.metadata,
    records=TreatmentConnector.clients,
    lists={"episodes": TreatmentConnector.episodes, "ostPrescriptions": TreatmentConnector.ost_prescriptions,
           "requirements": TreatmentConnector.requirements, "appointments": TreatmentConnector.appointments,
           "consents": TreatmentConnector.consents},
    measures={"TREATMENT_ENGAGED": "engaged"},
    outcomes=OUTCOMES,
    referral_pathway="drugs_alcohol",
    synthetic=TreatmentSynthesiser(),
), GRAPH)

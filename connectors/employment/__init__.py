"""Employment: the employment and skills service (work coaches, ETE referrals, jobs), keyed by NI number."""

from connectors.agency_package import AgencyPackage
from connectors.employment import tables
from connectors.employment.connector import EmploymentConnector, SqlEmploymentConnector
from connectors.employment.graphql import GRAPH
from connectors.employment.identifiers import SCHEME, validate_ni_number
from connectors.employment.outcomes import OUTCOMES
from connectors.employment.synthetic import EmploymentSynthesiser
from hub.core.agency import Agency, Scheme

PACKAGE = AgencyPackage(Agency(
    name="employment",
    description="Employment and skills (work coaches, education, training and employment, jobs)",
    schemes=(Scheme(SCHEME, "National Insurance number, AA999999A", validate_ni_number),),
    record_type="EmploymentRecord",
    connect=SqlEmploymentConnector,
    tables=tables.metadata,
    records=EmploymentConnector.clients,
    lists={"eteReferrals": EmploymentConnector.ete_referrals, "jobs": EmploymentConnector.jobs},
    measures={"EMPLOYMENT_STATUS": "employmentStatus"},
    outcomes=OUTCOMES,
    referral_pathway="education_training_employment",
    synthetic=EmploymentSynthesiser(),
), GRAPH)

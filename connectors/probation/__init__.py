"""Probation: case management (supervision, licence, sentences, referrals), OASys risk, NOMIS prison data."""

from datetime import date

from connectors.agency_package import AgencyPackage
from connectors.probation import events, tables
from connectors.probation.connector import ProbationConnector, SqlProbationConnector
from connectors.probation.graphql import GRAPH
from connectors.probation.synthetic import ProbationSynthesiser
from hub.core.agency import Agency, Order, Scheme
from hub.core.identifiers import validate_crn, validate_prison_number

PACKAGE = AgencyPackage(Agency(
    name="probation",
    description="Probation (case management, assessments, prison data)",
    schemes=(Scheme("crn", "Probation case reference number", validate_crn),
             Scheme("prisonNumber", "Prison (NOMIS) number, A1234BC", validate_prison_number)),
    record_type="ProbationRecord",
    connect=SqlProbationConnector,
    tables=tables.metadata,
    records=ProbationConnector.offenders,
    lists={"licenceConditions": ProbationConnector.licence_conditions, "sentences": ProbationConnector.sentences,
           "referrals": ProbationConnector.referrals},
    orders=(Order("OGRS_SCORE", "ogrsScore", "ProbationRecord.ogrsScore", int),
            Order("RELEASE_DATE", "releaseDate", "ProbationRecord.releaseDate", date.fromisoformat)),
    measures={"OGRS_BAND": "ogrsBand", "ROSH_LEVEL": "roshLevel", "MAPPA_LEVEL": "mappaLevel"},
    release_field="releaseDate",
    breakdowns={"RELEASE_TYPE": "releaseType"},
    capture=events.CAPTURE,
    synthetic=ProbationSynthesiser(),
), GRAPH)

"""How each agency's record of a person is reached: by which identifier, through which loaders.

One table for the Person fields that resolve them (schema/graph/types/person.py) and for prefetching a
page's records (schema/graph/prefetch.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    """How one agency's record of a person is loaded: by which identifier, with which loaders."""

    type_name: str
    #: the person-index link the agency keys its records by
    scheme: str
    #: the ``Loaders`` attribute for the record itself
    loader: str
    #: list field -> the ``Loaders`` attribute loading it, keyed by the same identifier
    lists: Mapping[str, str]


#: Person field -> the agency record it resolves to.
RECORDS: Mapping[str, AgencyRecord] = {
    "police": AgencyRecord("PoliceRecord", "pncId", "nominal", {
        "arrests": "arrests", "warningMarkers": "warning_markers", "intelligence": "intelligence"}),
    "probation": AgencyRecord("ProbationRecord", "crn", "offender", {
        "licenceConditions": "licence_conditions", "sentences": "sentences", "referrals": "referrals"}),
    "housing": AgencyRecord("HousingRecord", "housingReference", "housing_client", {
        "dutyToRefer": "duty_to_refer", "placements": "placements"}),
    "treatment": AgencyRecord("TreatmentRecord", "nhsNumber", "treatment_client", {
        "episodes": "episodes", "ostPrescriptions": "ost_prescriptions", "requirements": "requirements",
        "appointments": "appointments", "consents": "consents"}),
}

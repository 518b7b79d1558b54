"""What housing shares: address, accommodation status, duty stage, Duty to Refer, placements."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import strawberry

from connectors.housing.records import (
    AccommodationStatus,
    DutyStage,
    DutyToReferStatus,
    HousingClient,
    HousingCriteria,
    PlacementKind,
)
from hub.core.boroughs import borough_of
from schema.governance.agency_graph import AgencyGraph, PeopleFilterField, Reader
from schema.governance.context import Info
from schema.governance.enums import Borough
from schema.governance.governed import Released, Resolved, listed, shown

# The agency's code lists, as GraphQL enums.
for _code_list, _description in (
    (AccommodationStatus, "Accommodation status (NFA = no fixed abode)"),
    (DutyStage, "Homelessness Reduction Act 2017 duty stage"),
    (PlacementKind, "Kind of accommodation placement"),
    (DutyToReferStatus, "Where a Duty to Refer referral stands"),
):
    strawberry.enum(_code_list, description=_description)



@strawberry.type
class Address:
    line: str
    postcode: str
    uprn: str | None


# The housing system's own referral records serve as this type (no copy): ``status`` reads their stored value.
@strawberry.type(description="A Duty to Refer referral (Homelessness Reduction Act 2017)")
class DutyToRefer:
    referred_on: date
    referring_agency: str
    status: DutyToReferStatus = strawberry.field(
        resolver=lambda root: DutyToReferStatus(root.status),
        description="Where the referral stands: received, accepted by the council, or closed")


@strawberry.type
class Placement:
    kind: PlacementKind
    provider: str
    starts_on: date
    ends_on: date | None


@strawberry.type(description="What the housing options system holds, as far as the agreement releases it")
class HousingRecord:
    housing_ref: strawberry.Private[str]
    shown: strawberry.Private[Released]
    address: Address | None
    postcode_district: str | None = strawberry.field(description="Outward code of the postcode, e.g. E8")
    borough: Borough | None = strawberry.field(
        description="Borough of residence; null for no fixed abode and rough sleeping, who have none (see "
                    "lastKnownBorough)")
    last_known_borough: Borough | None = strawberry.field(
        description="Borough of residence or, for no fixed abode and rough sleeping, the last borough lived in, "
                    "which manages the case")
    accommodation_status: AccommodationStatus | None
    status_since: date | None
    duty_stage: DutyStage | None

    @strawberry.field(description="Duty to Refer referrals, newest first", graphql_type=list[DutyToRefer] | None)
    def duty_to_refer(self, info: Info) -> Resolved[list[DutyToRefer] | None]:
        return listed(info, "housing", "dutyToRefer", self.shown, self.housing_ref)

    @strawberry.field(description="Placements (transitional accommodation, approved premises...), newest first",
                      graphql_type=list[Placement] | None)
    def placements(self, info: Info) -> Resolved[list[Placement] | None]:
        return listed(info, "housing", "placements", self.shown, self.housing_ref)


def build_housing(c: HousingClient, names: Released, reader: Reader) -> HousingRecord:
    a = c.address
    return HousingRecord(
        housing_ref=c.housing_ref,
        shown=names,
        address=shown(names, "address", Address(line=a.line, postcode=a.postcode, uprn=a.uprn) if a else None),
        postcode_district=shown(names, "postcodeDistrict", c.postcode_district),
        borough=shown(names, "borough", borough_of(c.borough)),
        last_known_borough=shown(names, "lastKnownBorough", borough_of(c.last_known_borough)),
        accommodation_status=shown(names, "accommodationStatus", c.accommodation_status),
        status_since=shown(names, "statusSince", c.status_since),
        duty_stage=shown(names, "dutyStage", c.duty_stage),
    )


FILTERS = (
    PeopleFilterField("boroughs", list[Borough] | None, "HousingRecord.lastKnownBorough",
                      "Borough of residence (housing); NFA cases count in their last borough"),
    PeopleFilterField("accommodationStatuses", list[AccommodationStatus] | None, "HousingRecord.accommodationStatus"),
    PeopleFilterField("dutyStages", list[DutyStage] | None, "HousingRecord.dutyStage",
                      "Homelessness Reduction Act duty stage (housing)"),
)


def criteria(values: Mapping[str, Any]) -> HousingCriteria | None:
    boroughs, statuses, stages = values.get("boroughs"), values.get("accommodationStatuses"), values.get("dutyStages")
    found = HousingCriteria(boroughs=frozenset(b.value for b in boroughs) if boroughs is not None else None,
                            accommodation_statuses=frozenset(statuses) if statuses is not None else None,
                            duty_stages=frozenset(stages) if stages is not None else None)
    return None if found == HousingCriteria() else found


GRAPH = AgencyGraph(HousingRecord, build_housing, filters=FILTERS, criteria=criteria)

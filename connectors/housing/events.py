"""Housing's change capture: a client's accommodation status changed."""

from __future__ import annotations

from hub.core.capture import Capture, EventField, EventKind, Trigger, before_after

TRIGGERS = (
    Trigger("hub_housing_status", "housing_client", "UPDATE", "AccommodationStatusChanged", "NEW.housing_ref",
            (("accommodation_status", "NEW.accommodation_status"), ("status_since", "NEW.status_since"),
             ("previous_status", "OLD.accommodation_status")),
            changed=("accommodation_status",)),
)

KINDS = (
    EventKind("AccommodationStatusChanged", "accommodation", (
        EventField("accommodationStatus", "HousingRecord.accommodationStatus", data="accommodation_status",
                   primary=True, change=before_after("previous_status", "accommodation_status")),
        EventField("previousAccommodationStatus", "HousingRecord.accommodationStatus", data="previous_status"),
        EventField("statusSince", "HousingRecord.statusSince", data="status_since")),
        "A client's accommodation status changed (housed, no fixed abode, approved premises...)"),
)

CAPTURE = Capture(TRIGGERS, KINDS)

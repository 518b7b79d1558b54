"""Police's change capture: an arrest recorded, and its custody outcome recorded or changed."""

from __future__ import annotations

from typing import Any

from hub.core.capture import Capture, EventField, EventKind, Trigger
from hub.core.offences import group_of

_ARREST = (("arrest_id", "NEW.arrest_id"), ("arrested_at", "NEW.arrested_at"), ("offence", "NEW.offence"),
           ("custody_suite", "NEW.custody_suite"), ("outcome", "NEW.outcome"))


def _group(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("offence"):
        data["offence_group"] = group_of(str(data["offence"])).value
    return data


TRIGGERS = (
    Trigger("hub_police_arrested", "arrest", "INSERT", "Arrested", "NEW.pnc_id", _ARREST),
    Trigger("hub_police_outcome", "arrest", "UPDATE", "Arrested", "NEW.pnc_id",
            (*_ARREST, ("previous_outcome", "OLD.outcome")), changed=("outcome",)),
)

#: An arrest is released as a whole (``PoliceRecord.arrests``), so each of its fields is judged as that.
KINDS = (
    EventKind("Arrested", "arrests", tuple(
        EventField(name, "PoliceRecord.arrests", data=key, primary=True)
        for name, key in (("arrestedAt", "arrested_at"), ("offence", "offence"), ("offenceGroup", "offence_group"),
                          ("custodySuite", "custody_suite"), ("outcome", "outcome"))),
        "An arrest recorded, or its custody outcome recorded or changed", derive=_group),
)

CAPTURE = Capture(TRIGGERS, KINDS)

"""Probation's change capture: release dates and types set or moved, releases, recalls, licence conditions
and referrals, each written to its outbox by a trigger in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.core.capture import Capture, EventField, EventKind, Load, Trigger, before_after

#: a licence condition's columns, old and new, so a subscriber is told of a change only if it is one they may see
_CONDITION = ("condition_id", "kind", "description", "starts_on", "ends_on")
_SENTENCE = (("sentence_id", "NEW.sentence_id"), ("release_date", "NEW.release_date"),
             ("release_type", "NEW.release_type"), ("decided_on", "NEW.release_decided_on"),
             ("establishment", "NEW.release_establishment"))


def _notice(data: dict[str, Any]) -> dict[str, Any]:
    """The notice given: days from the decision to the release (as ``releaseNoticeDays`` is worked out)."""
    released, decided = data.get("release_date"), data.get("decided_on")
    if released and decided:
        data["notice_days"] = (date.fromisoformat(str(released)[:10]) - date.fromisoformat(str(decided)[:10])).days
    return data


def _licence(operation: str) -> Trigger:
    """A licence condition added, changed or ended, carrying its columns before (``previous_``) and after."""
    rows = {"INSERT": (("NEW", ""),), "UPDATE": (("OLD", "previous_"), ("NEW", "")),
            "DELETE": (("OLD", "previous_"),)}[operation]
    return Trigger(f"hub_probation_licence_{operation.lower()}", "licence_condition", operation,
                   "LicenceConditionsChanged", f"{rows[-1][0]}.crn",
                   tuple((f"{prefix}{column}", f"{row}.{column}") for row, prefix in rows for column in _CONDITION))


TRIGGERS = (
    Trigger("hub_probation_release_set", "sentence", "UPDATE", "ReleaseScheduled", "NEW.crn",
            (*_SENTENCE, ("previous_release_date", "OLD.release_date"), ("previous_release_type", "OLD.release_type")),
            changed=("release_date", "release_type"), when="NEW.release_date IS NOT NULL"),
    Trigger("hub_probation_release_new", "sentence", "INSERT", "ReleaseScheduled", "NEW.crn", _SENTENCE,
            when="NEW.release_date IS NOT NULL"),
    Trigger("hub_probation_released", "offender", "UPDATE", "Released", "NEW.crn",
            (("custody_status", "NEW.custody_status"),),
            changed=("custody_status",), when="OLD.custody_status = 'custody' AND NEW.custody_status = 'licence'"),
    Trigger("hub_probation_recalled", "sentence", "UPDATE", "Recalled", "NEW.crn",
            (("sentence_id", "NEW.sentence_id"), ("recalled_on", "NEW.recalled_on")),
            changed=("recalled_on",), when="NEW.recalled_on IS NOT NULL"),
    *(_licence(op) for op in ("INSERT", "UPDATE", "DELETE")),
    Trigger("hub_probation_referral_new", "referral", "INSERT", "ReferralCreated", "NEW.crn",
            (("referral_id", "NEW.referral_id"), ("pathway", "NEW.pathway"), ("open", "NEW.open"))),
    Trigger("hub_probation_referral_changed", "referral", "UPDATE", "ReferralUpdated", "NEW.crn",
            (("referral_id", "NEW.referral_id"), ("pathway", "NEW.pathway"), ("open", "NEW.open")),
            changed=("open", "pathway")),
)

@dataclass(frozen=True)
class _Kind:
    value: str


@dataclass(frozen=True)
class _Changed:
    """A licence condition as its row held it, compared before and after through the subscriber's mask (which
    reads ``kind.value``). Kept as the row's text: a kind this version does not know must not stop the event."""

    kind: _Kind
    description: str | None
    starts_on: str | None
    ends_on: str | None


def _conditions(data: Mapping[str, Any], prefix: str) -> list[_Changed]:
    """The changed condition as a one-item list, as ``licenceConditions`` would hold it (none: added or removed)."""
    def text(column: str) -> str | None:
        value = data.get(f"{prefix}{column}")
        return None if value is None else str(value)

    kind = text("kind")
    return [] if kind is None else [_Changed(_Kind(kind), text("description"), text("starts_on"), text("ends_on"))]


def _condition_change(data: Mapping[str, Any]) -> tuple[Any, Any]:
    return _conditions(data, "previous_"), _conditions(data, "")


#: What a release event can carry, each judged as the probation (or housing) field it is. A release type
#: changed alone is news only to those who see the type; the previous date rides with the date.
_RELEASE = (
    EventField("releaseDate", "ProbationRecord.releaseDate", data="release_date", primary=True,
               change=before_after("previous_release_date", "release_date")),
    EventField("previousReleaseDate", "ProbationRecord.releaseDate", data="previous_release_date"),
    EventField("releaseType", "ProbationRecord.releaseType", data="release_type", primary=True,
               change=before_after("previous_release_type", "release_type")),
    EventField("releaseNoticeDays", "ProbationRecord.releaseNoticeDays", data="notice_days"),
    EventField("releaseEstablishment", "ProbationRecord.releaseEstablishment", data="establishment"),
    EventField("licenceConditions", "ProbationRecord.licenceConditions",
               load=Load("probation", list_name="licenceConditions")),
    # the accommodation need: housing's current status of the person, for whoever housing shares it with
    EventField("accommodationStatus", "HousingRecord.accommodationStatus",
               load=Load("housing", attribute="accommodation_status")),
)

def _current(name: str, field_key: str, attribute: str, primary: bool = False) -> EventField:
    return EventField(name, field_key, load=Load("probation", attribute=attribute), primary=primary)


#: A release that happened: the release as probation's record now holds it.
_RELEASED = (
    _current("releaseDate", "ProbationRecord.releaseDate", "release_date", primary=True),
    _current("releaseType", "ProbationRecord.releaseType", "release_type", primary=True),
    _current("releaseNoticeDays", "ProbationRecord.releaseNoticeDays", "release_notice_days"),
    _current("releaseEstablishment", "ProbationRecord.releaseEstablishment", "release_establishment"),
    *(f for f in _RELEASE if f.load is not None),
)

KINDS = (
    EventKind("ReleaseScheduled", "releases", _RELEASE, "A release date or type set or changed (old and new date, "
              "the notice given)", derive=_notice),
    EventKind("Released", "releases", _RELEASED, "Released from custody on licence"),
    EventKind("Recalled", "releases", (EventField("recalledOn", "ProbationRecord.sentences", data="recalled_on",
                                                  primary=True),), "Recalled to custody"),
    # judged on the condition that changed, through the subscriber's mask: victim services hear of an
    # exclusion zone's change, not of a curfew's
    EventKind("LicenceConditionsChanged", "releases", (
        EventField("licenceConditions", "ProbationRecord.licenceConditions",
                   load=Load("probation", list_name="licenceConditions"), primary=True, change=_condition_change),),
        "A licence condition added, changed or ended"),
    *(EventKind(name, "referrals", (
        EventField("pathway", "ProbationRecord.referrals", data="pathway", primary=True),
        EventField("open", "ProbationRecord.referrals", data="open", primary=True)), text)
      for name, text in (("ReferralCreated", "A probation referral made"),
                         ("ReferralUpdated", "A probation referral opened, closed or moved"))),
)

CAPTURE = Capture(TRIGGERS, KINDS)

"""The one registry of the transforms behind the agreements' masks: what a masked field still reveals.

Each transform takes the full value and returns only what the mask allows. It is registered with
the GraphQL types it takes and the type it gives (as schema/schema.graphql writes a nullable
field's type), so ``hub policy check`` can refuse a transform on a field it cannot apply to, rather
than every request failing later. The masked value is shown in the field's place, so a transform
applies only where it gives back the field's own type. Transforms never echo a withheld value in
an error: bad input gives a generic one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from types import MappingProxyType
from typing import Any, Final, Protocol, TypeVar

from hub.core.errors import BadUserInput
from hub.core.identifiers import postcode_district
from hub.core.ogrs import OgrsBand


def initials(name: str) -> str:
    """"John Smith" -> "J. S.": enough to show a record exists, not whose it is in full."""
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return " ".join(f"{p[0].upper()}." for p in parts)


def birth_year(born: date) -> int:
    return born.year


def ogrs_band(score: float) -> OgrsBand:
    """OGRS two-year proven reoffending % -> band: LOW under 50, MEDIUM 50-74, HIGH 75 and over."""
    if not 0 <= score <= 100:
        raise BadUserInput("an OGRS score is a percentage between 0 and 100")
    return OgrsBand.of(int(score))  # the band edges are whole percentages, so the floor keeps the band


#: The licence condition kind victim services are told of (probation's ``LicenceConditionKind`` value).
EXCLUSION_ZONE: Final = "exclusion_zone"


class _Conditioned(Protocol):
    @property
    def kind(self) -> Enum: ...


C = TypeVar("C", bound=_Conditioned)


def exclusion_zones(conditions: Sequence[C]) -> list[C]:
    """Licence conditions -> only the exclusion zones (what victim services are told, and nothing else)."""
    return [c for c in conditions if c.kind.value == EXCLUSION_ZONE]


@dataclass(frozen=True, slots=True)
class Transform:
    name: str
    apply: Callable[[Any], Any]
    #: GraphQL types of the values it takes (a nullable field's type as the SDL writes it: ``Date``,
    #: ``[LicenceCondition!]``)
    accepts: frozenset[str]
    #: the GraphQL type of what it gives back
    returns: str

    def cannot_apply(self, field_key: str, field_type: str | None) -> str | None:
        """Why this transform cannot stand in for the field's value; None if it can."""
        if field_type is None:
            return f"transform {self.name} cannot apply to {field_key}: no such field in the GraphQL schema"
        if field_type not in self.accepts or self.returns != field_type:
            takes = " or ".join(sorted(self.accepts))
            return (f"transform {self.name} takes {takes} and gives {self.returns}, so it cannot apply to "
                    f"{field_key} ({field_type})")
        return None


#: Transform name -> the transform: the only place a mask's transform is implemented.
REGISTRY: Mapping[str, Transform] = MappingProxyType({t.name: t for t in (
    Transform("initials", initials, frozenset({"String"}), "String"),
    Transform("birth_year", birth_year, frozenset({"Date"}), "Int"),
    Transform("ogrs_band", ogrs_band, frozenset({"Int", "Float"}), "OgrsBand"),
    Transform("postcode_district", postcode_district, frozenset({"String"}), "String"),
    Transform("exclusion_zones", exclusion_zones, frozenset({"[LicenceCondition!]"}), "[LicenceCondition!]"),
)})


def apply(transform: str | None, value: Any) -> Any:
    """``value`` as the named transform reveals it (as is for None); an absent value stays absent."""
    if transform is None or value is None:
        return value
    return REGISTRY[transform].apply(value)

"""The field catalogue (fields.csv): every governed field, its group, owner and masks.

A field not in the catalogue is denied to everyone, so adding a GraphQL field without
cataloguing it fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from policies.field_types import field_types
from policies.masks import REGISTRY
from policies.sources import Problem, read_rows
from policies.vocabulary import AGENCIES, GROUPS, MASKS, TRANSFORMS

FIELDS_FILE = "fields.csv"
OWNERS = ("all", *(a for a in AGENCIES if a != "partnership"))  # partnership issues tokens, owns no field


@dataclass(frozen=True, slots=True)
class FieldEntry:
    key: str  # "Type.field"
    group: str
    owner: str
    #: mask name -> transform applied to the value under it (None: shown as is)
    masks: Mapping[str, str | None]

    @property
    def type_name(self) -> str:
        return self.key.split(".", 1)[0]


@dataclass(frozen=True)
class Catalogue:
    fields: Mapping[str, FieldEntry]

    def groups(self) -> frozenset[str]:
        return frozenset(f.group for f in self.fields.values())

    def in_group(self, group: str) -> tuple[FieldEntry, ...]:
        return tuple(f for f in self.fields.values() if f.group == group)

    def owners_of(self, group: str) -> frozenset[str]:
        return frozenset(f.owner for f in self.fields.values() if f.group == group)


def load_catalogue(policy_dir: Path, problems: list[Problem]) -> Catalogue:
    """Read fields.csv; every mistake is appended to ``problems`` and the row skipped."""
    path = policy_dir / FIELDS_FILE
    fields: dict[str, FieldEntry] = {}
    for row in read_rows(path, ("field", "group", "owner", "masks"), problems):
        key, group = row.values["field"], row.values["group"]
        if key.count(".") != 1 or not all(key.split(".")):
            problems.append(row.problem(f"field {key!r} is not of the form Type.field"))
            continue
        if key in fields:
            problems.append(row.problem(f"field {key} is catalogued twice"))
            continue
        if row.values["owner"] not in OWNERS:
            problems.append(row.problem(f"unknown owner {row.values['owner']!r} for field {key}"))
            continue
        if group not in GROUPS:
            problems.append(row.problem(f"unknown group {group!r} for field {key}"))
            continue
        masks: dict[str, str | None] = {}
        for token in row.values["masks"].split():
            mask, _, transform = token.partition(":")
            if mask not in MASKS:
                problems.append(row.problem(f"unknown mask {mask!r} for field {key}"))
            elif transform and transform not in TRANSFORMS:
                problems.append(row.problem(f"unknown transform {transform!r} for field {key}"))
            elif transform and (why := REGISTRY[transform].cannot_apply(key, field_types().get(key))):
                problems.append(row.problem(why))
            else:
                masks[mask] = transform or None
        fields[key] = FieldEntry(key, group, row.values["owner"], MappingProxyType(masks))
    return Catalogue(MappingProxyType(fields))

"""What a judged record may show, field by field: as stored, or through its mask's transform.

Every build of a record (the Person scalars, identifiers, each agency's record and its lists)
takes a ``Released`` and reads each value through it, so a transform the catalogue names
(``mask:transform``, policies.masks) applies wherever its field is released, on any type.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from policies.masks import apply
from schema.governance.gate import Verdict

T = TypeVar("T")


class Released(Mapping[str, str | None]):
    """Field name -> the transform its value is shown through (None: as stored), for shown fields only."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, str | None]) -> None:
        self._fields = dict(fields)

    def __getitem__(self, name: str) -> str | None:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def value(self, name: str, value: T) -> T | None:
        """The field's value as released: None unless shown, else through its transform.

        The policy check admits a transform only where it gives back the field's own type.
        """
        try:
            transform = self._fields[name]
        except KeyError:
            return None
        if transform is None:  # the common case: shown as stored, no registry lookup
            return value
        out: T = apply(transform, value)
        return out


def released(verdicts: Iterable[Verdict]) -> Released:
    return Released({v.field_name: v.transform for v in verdicts if v.show})


def shown(names: Released, name: str, value: T) -> T | None:
    return names.value(name, value)


def transformed(transform: str | None, value: Any) -> Any:
    """One value through the named transform (a Person scalar, judged on its own)."""
    return apply(transform, value)

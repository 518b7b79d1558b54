"""GraphQL names and the Python names Strawberry pairs them with, for types built from the registry."""

from __future__ import annotations


def python_name(name: str) -> str:
    """``iomCohorts`` -> ``iom_cohorts``: the attribute Strawberry names the field ``iomCohorts`` from."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def enum_name(name: str) -> str:
    """``pncId`` -> ``PNC_ID``: the enum value naming it."""
    return python_name(name).upper()

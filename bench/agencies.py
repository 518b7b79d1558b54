"""The agencies the benchmark opens, and where each one's database is: the one place bench/ asks."""

from __future__ import annotations

from connectors.registry import AGENCIES
from hub.core.settings import Settings


def agency_names() -> tuple[str, ...]:
    return tuple(a.name for a in AGENCIES)


def agency_url(settings: Settings, name: str) -> str:
    return settings.agency_url(name)

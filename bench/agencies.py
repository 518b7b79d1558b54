"""The agencies the benchmark opens, and where each one's database is: the one place bench/ asks.

When the agency registry lands (``connectors.registry.AGENCIES``, ``settings.agency_url(name)``),
these two functions are the only lines to change.
"""

from __future__ import annotations

from hub.core.settings import AGENCIES, Settings


def agency_names() -> tuple[str, ...]:
    return AGENCIES


def agency_url(settings: Settings, name: str) -> str:
    return settings.agency_urls[name]

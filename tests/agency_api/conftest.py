"""Fixtures: the session's seeded agencies served by their own processes, and a hub reaching them over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from connectors.http.connector import HttpConnector
from connectors.registry import AGENCIES
from hub.core.settings import Settings
from hub.web.app import create_app
from hub.web.runtime import Hub
from tests.agency_api.services import Running, agency_services, over_http
from tests.conftest import sqlite_settings
from tests.http.conftest import Governed, truth  # noqa: F401  (a fixture: the SQL truth)
from tests.http.use_cases.conftest import seeded  # noqa: F401  (a fixture)


@pytest.fixture(scope="session")
def services(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    """Every agency of the seeded partnership as its own service, for the whole session."""
    base = sqlite_settings(seeded_dir)
    with agency_services({a.name: base.agency_url(a.name) for a in AGENCIES},
                         tmp_path_factory.mktemp("agency-services")) as running:
        yield running


@pytest.fixture
def http_settings(settings: Settings, services: dict[str, Running]) -> Settings:
    # A generous budget: these tests compare answers, and a loaded machine must not turn them into outages
    # (test_faults.py holds the budget to account).
    return over_http(settings, services, timeout_ms=30_000)


@pytest.fixture
async def over_api(http_settings: Settings) -> AsyncIterator[Governed]:
    """The governed hub with every agency reached over its API."""
    hub = Hub.open(http_settings)
    app = create_app(http_settings, hub=hub)
    yield Governed(app, http_settings, hub)
    await app.state.governance.audit.close()
    await hub.close()


@pytest.fixture
async def governed(over_api: Governed) -> Governed:
    """The governed matrix's tests imported here (test_matrix_over_http.py) get the hub over HTTP; what they
    check it against (``truth``, ``tables``, ``seeded``) still reads the databases."""
    assert all(isinstance(c, HttpConnector) for c in over_api.hub.agencies.values())
    return over_api

"""Fixtures for the use-case tests: the seeded tables, and who each caller's own people are, by SQL."""

from __future__ import annotations

import pytest

from hub.core.settings import Settings
from tests.graph_client import GraphClient
from tests.http.seeded import Seeded


@pytest.fixture
async def seeded(settings: Settings, truth: GraphClient) -> Seeded:
    return await Seeded(settings, truth).link()


async def housing_officers_people(seeded: Seeded, officer: str) -> set[str]:
    """A housing officer's caseload, and everyone referred to housing: an open probation referral on the
    accommodation pathway or a Duty to Refer not closed (the agreements' relationship, DOMAIN.md's R)."""
    caseload = await seeded.people("housing", "housingReference",
                                   f"SELECT housing_ref FROM housing_client WHERE housing_officer_id = '{officer}'")
    by_probation = await seeded.people("probation", "crn",
                                       "SELECT crn FROM referral WHERE pathway = 'accommodation' AND open")
    duty_to_refer = await seeded.people("housing", "housingReference",
                                        "SELECT housing_ref FROM duty_to_refer WHERE status <> 'closed'")
    return caseload | by_probation | duty_to_refer

"""The partnership's synthetic staff, with well-known ids so a developer can mint a token and see data.

``om-001`` (offender manager), ``iom-officer-001``, ``housing-officer-001``, ``keyworker-001`` and
``victim-liaison-001`` each have people assigned from the first few generated, so a token for them
shows caseload-conditional fields straight away (README's examples use them).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from synthetic.identifiers import phone
from synthetic.london import BOROUGHS, PROBATION_TEAMS
from synthetic.names import FEMALE_FORENAMES, MALE_FORENAMES, SURNAMES


@dataclass(frozen=True)
class Staff:
    offender_managers: tuple[str, ...]
    iom_officers: tuple[str, ...]
    housing_officers: tuple[str, ...]
    keyworkers: tuple[str, ...]
    victim_liaison: tuple[str, ...]

    @classmethod
    def for_people(cls, people: int) -> Staff:
        # About 40 cases per offender manager and per IOM officer (DOMAIN.md: 1 officer per 40 nominals).
        def ids(prefix: str, count: int) -> tuple[str, ...]:
            return tuple(f"{prefix}-{n:03d}" for n in range(1, max(2, count) + 1))

        return cls(
            offender_managers=ids("om", people // 40),
            iom_officers=ids("iom-officer", people // 300),
            housing_officers=ids("housing-officer", people // 100),
            keyworkers=ids("keyworker", people // 80),
            victim_liaison=ids("victim-liaison", people // 500),
        )


def _name(rng: random.Random) -> str:
    forenames = rng.choice(MALE_FORENAMES + FEMALE_FORENAMES)
    return f"{forenames} {rng.choice(SURNAMES)}"


def officer_rows(staff: Staff, rng: random.Random) -> list[dict[str, Any]]:
    boroughs = list(BOROUGHS)
    return [{"officer_id": o, "name": _name(rng), "borough": rng.choice(boroughs), "phone": phone(rng)}
            for o in staff.iom_officers]


def offender_manager_rows(staff: Staff, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    boroughs = list(BOROUGHS)
    for code in staff.offender_managers:
        name = _name(rng)
        borough = rng.choice(boroughs)
        email = name.lower().replace(" ", ".").replace("'", "") + "@probation.example.org"
        rows.append({"staff_code": code, "name": name, "team": f"{borough} {rng.choice(PROBATION_TEAMS)}",
                     "borough": borough, "email": email, "phone": phone(rng)})
    return rows

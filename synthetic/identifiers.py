"""Unique, valid synthetic identifiers: every one passes the hub's own validators.

NHS numbers come from the 999 range, which the NHS reserves for test data and never issues.
Phone numbers come from Ofcom's range for drama (020 7946 0000-0999).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from hub.core.identifiers import format_cro, format_pnc, nhs_check_digit


class IdentifierMint:
    """Draws identifiers from one random stream, remembering what it issued so none repeats."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def unique(self, make: Callable[[], str | None]) -> str:
        """A value ``make`` gives that this mint has not issued before (``make`` may return None: try again)."""
        for _ in range(1000):
            value = make()
            if value is not None and value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("identifier space exhausted")  # pragma: no cover - 38k people use <1% of it

    def pnc_id(self, year: int) -> str:
        return self.unique(lambda: format_pnc(year, self.rng.randrange(10_000_000)))

    def cro_number(self, year: int) -> str:
        return self.unique(lambda: format_cro(self.rng.randrange(1, 1_000_000), year))

    def crn(self) -> str:
        return self.unique(lambda: f"{self.rng.choice(string.ascii_uppercase)}{self.rng.randrange(1_000_000):06d}")

    def prison_number(self) -> str:
        letters = "ABCDEFGHJKLMNPRSTVWXYZ"
        return self.unique(lambda: f"{self.rng.choice('AGW')}{self.rng.randrange(10_000):04d}"
                                    f"{self.rng.choice(letters)}{self.rng.choice(letters)}")

    def nhs_number(self) -> str:
        def make() -> str | None:
            first_nine = f"999{self.rng.randrange(1_000_000):06d}"
            check = nhs_check_digit(first_nine)
            return None if check is None else f"{first_nine}{check}"

        return self.unique(make)

    def housing_reference(self) -> str:
        return self.unique(lambda: f"HR{self.rng.randrange(10_000_000, 100_000_000):08d}")

    def uprn(self) -> str:
        return self.unique(lambda: str(self.rng.randrange(100_000_000_000, 100_099_999_999)))


def postcode(rng: random.Random, district: str) -> str:
    # Inward codes never use C, I, K, M, O or V.
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{district} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"


def phone(rng: random.Random) -> str:
    return f"020 7946 0{rng.randrange(1000):03d}"

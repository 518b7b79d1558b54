from __future__ import annotations

from datetime import date

import pytest

from hub.errors import BadUserInput
from policies.masks import birth_year, initials, ogrs_band, postcode_district


@pytest.mark.parametrize(("name", "expected"), [
    ("John Smith", "J. S."), ("mary ann o'neil", "M. A. O."), ("Jean-Luc Picard", "J. L. P."), ("", "")])
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_birth_year() -> None:
    assert birth_year(date(1987, 3, 14)) == 1987


@pytest.mark.parametrize(("score", "band"), [
    (0, "LOW"), (49.9, "LOW"), (50, "MEDIUM"), (74.99, "MEDIUM"), (75, "HIGH"), (100, "HIGH")])
def test_ogrs_band(score: float, band: str) -> None:
    assert ogrs_band(score) == band


@pytest.mark.parametrize("score", [-1, 100.5])
def test_ogrs_band_rejects_non_percentages_without_echoing_them(score: float) -> None:
    with pytest.raises(BadUserInput) as caught:
        ogrs_band(score)
    assert str(score) not in caught.value.message


@pytest.mark.parametrize(("postcode", "district"), [("E8 1AB", "E8"), ("SW1A 2AA", "SW1A"), ("n170ab", "N17")])
def test_postcode_district(postcode: str, district: str) -> None:
    assert postcode_district(postcode) == district


def test_postcode_district_rejects_a_bad_postcode() -> None:
    with pytest.raises(BadUserInput):
        postcode_district("not a postcode")

"""Identifier formats and check digits, as DOMAIN.md defines them."""

from __future__ import annotations

import pytest

from connectors.registry import validate
from hub.core.errors import BadUserInput
from hub.core.identifiers import (
    format_cro,
    format_pnc,
    nhs_check_digit,
    postcode_district,
    validate_postcode,
    validate_uprn,
)


def test_pnc_check_letter_follows_the_worked_example() -> None:
    # DOMAIN.md: 2001/0123456 -> check from 010123456 % 23 = 6 -> "ZABCDEFGH..."[6] = F
    assert 10123456 % 23 == 6
    assert format_pnc(2001, 123456) == "2001/0123456F"
    assert validate("pncId", " 2001/0123456f ") == "2001/0123456F"


@pytest.mark.parametrize(("scheme", "value"), [
    ("pncId", "2001/0123456A"),   # wrong check letter
    ("pncId", "01/0123456F"),      # two-digit year
    ("pncId", "2001-0123456F"),
    ("croNumber", "123456/01A"),
    ("croNumber", "12345/01X"),
    ("crn", "X12345"),
    ("crn", "12345678"),
    ("prisonNumber", "A123BC"),
    ("prisonNumber", "11234BC"),
    ("nhsNumber", "9434765918"),  # check digit should be 9
    ("nhsNumber", "943476591"),
    ("housingReference", "HR1234567"),
    ("housingReference", "XX12345678"),
])
def test_malformed_identifiers_are_refused_naming_the_scheme(scheme: str, value: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        validate(scheme, value)
    assert raised.value.extensions["scheme"] == scheme
    assert value not in raised.value.message  # the error never echoes the identifier back


@pytest.mark.parametrize(("scheme", "value"), [
    ("croNumber", format_cro(123456, 1)),
    ("crn", "X123456"),
    ("prisonNumber", "A1234BC"),
    ("nhsNumber", "9434765919"),
    ("nhsNumber", "943 476 5919"),
    ("housingReference", "HR12345678"),
])
def test_valid_identifiers_come_back_canonical(scheme: str, value: str) -> None:
    assert validate(scheme, value) == value.replace(" ", "")


def test_nhs_check_digit_rules() -> None:
    assert nhs_check_digit("943476591") == 9
    # A remainder of 0 gives 11, written as 0; a check of 10 means no valid number exists.
    zero = next(f"{n:09d}" for n in range(10**6) if sum(int(d) * (10 - i) for i, d in enumerate(f"{n:09d}")) % 11 == 0)
    assert nhs_check_digit(zero) == 0
    ten = next(f"{n:09d}" for n in range(10**6) if sum(int(d) * (10 - i) for i, d in enumerate(f"{n:09d}")) % 11 == 1)
    assert nhs_check_digit(ten) is None


def test_postcodes_and_uprns() -> None:
    assert validate_postcode("e8 1ab") == "E8 1AB"
    assert validate_postcode("SW1V2AB") == "SW1V 2AB"
    assert postcode_district("N16 7XY") == "N16"
    for bad in ("E8", "1AB E8", "EEE8 1AB"):
        with pytest.raises(BadUserInput):
            validate_postcode(bad)
    assert validate_uprn("100023336956") == "100023336956"
    with pytest.raises(BadUserInput):
        validate_uprn("1000233369561")

"""Identifier formats and check digits for every scheme the partnership uses.

Each validator returns the canonical form of a valid identifier or raises ``BadUserInput``
naming the scheme and what is wrong, never echoing more than the caller already sent.
The ``*_check`` helpers are shared with the synthetic data generator.
"""

from __future__ import annotations

import re

from hub.core.errors import BadUserInput

PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"

_PNC = re.compile(r"^(\d{4})/(\d{7})([A-Z])$")
_CRO = re.compile(r"^(\d{6})/(\d{2})([A-Z])$")
_CRN = re.compile(r"^[A-Z]\d{6}$")
_PRISON = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")
_NHS = re.compile(r"^\d{10}$")
_HOUSING_REF = re.compile(r"^HR\d{8}$")
_UPRN = re.compile(r"^\d{1,12}$")
# Outward code (area + district) then inward code; London areas only for the synthetic data,
# but the format check is the general UK one.
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$")


def pnc_check_letter(year: int, serial: int) -> str:
    return PNC_CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def cro_check_letter(serial: int, year: int) -> str:
    return PNC_CHECK_LETTERS[int(f"{year % 100:02d}{serial:06d}") % 23]


def nhs_check_digit(first_nine: str) -> int | None:
    """The NHS number check digit, or None when no valid number has these nine digits."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def format_pnc(year: int, serial: int) -> str:
    return f"{year:04d}/{serial:07d}{pnc_check_letter(year, serial)}"


def format_cro(serial: int, year: int) -> str:
    return f"{serial:06d}/{year % 100:02d}{cro_check_letter(serial, year)}"


def _clean(value: str) -> str:
    return value.strip().upper()


def validate_pnc_id(value: str) -> str:
    v = _clean(value)
    m = _PNC.match(v)
    if not m:
        raise BadUserInput("PNC ID must look like YYYY/NNNNNNNC (year, 7-digit serial, check letter)",
                           scheme="pncId")
    year, serial, check = int(m[1]), int(m[2]), m[3]
    if pnc_check_letter(year, serial) != check:
        raise BadUserInput("PNC ID check letter does not match", scheme="pncId")
    return v


def validate_cro_number(value: str) -> str:
    v = _clean(value)
    m = _CRO.match(v)
    if not m:
        raise BadUserInput("CRO number must look like NNNNNN/YYC (6-digit serial, year, check letter)",
                           scheme="croNumber")
    serial, year, check = int(m[1]), int(m[2]), m[3]
    if cro_check_letter(serial, year) != check:
        raise BadUserInput("CRO number check letter does not match", scheme="croNumber")
    return v


def validate_crn(value: str) -> str:
    v = _clean(value)
    if not _CRN.match(v):
        raise BadUserInput("CRN must be one letter followed by six digits", scheme="crn")
    return v


def validate_prison_number(value: str) -> str:
    v = _clean(value)
    if not _PRISON.match(v):
        raise BadUserInput("Prison number must be a letter, four digits and two letters",
                           scheme="prisonNumber")
    return v


def validate_nhs_number(value: str) -> str:
    v = value.replace(" ", "").replace("-", "").strip()
    if not _NHS.match(v):
        raise BadUserInput("NHS number must be 10 digits", scheme="nhsNumber")
    if nhs_check_digit(v[:9]) != int(v[9]):
        raise BadUserInput("NHS number check digit does not match", scheme="nhsNumber")
    return v


def validate_housing_reference(value: str) -> str:
    v = _clean(value)
    if not _HOUSING_REF.match(v):
        raise BadUserInput("Housing reference must be HR followed by eight digits",
                           scheme="housingReference")
    return v


def validate_uprn(value: str) -> str:
    v = value.strip()
    if not _UPRN.match(v):
        raise BadUserInput("UPRN must be 1 to 12 digits", scheme="uprn")
    return v


def validate_postcode(value: str) -> str:
    v = _clean(value)
    m = _POSTCODE.match(v)
    if not m:
        raise BadUserInput("Not a valid UK postcode", scheme="postcode")
    return f"{m[1]} {m[2]}"


def postcode_district(postcode: str) -> str:
    """The outward code (e.g. ``E8`` of ``E8 1AB``): the mask the agreements use for addresses."""
    return validate_postcode(postcode).split(" ")[0]

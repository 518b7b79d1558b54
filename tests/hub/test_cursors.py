"""One cursor codec: kind-tagged and versioned; another kind's cursor or a malformed one is BAD_USER_INPUT."""

from __future__ import annotations

import base64

import pytest

from hub.core.errors import BadUserInput
from hub.services import cursors


def test_person_and_audit_cursors_round_trip_and_are_opaque() -> None:
    assert cursors.decode_person(cursors.encode_person("H00000042")) == "H00000042"
    assert cursors.decode_audit(cursors.encode_audit(1234)) == 1234
    for cursor in (cursors.encode_person("H00000042"), cursors.encode_audit(1234)):
        assert "=" not in cursor and "H00000042" not in cursor and "1234" not in cursor


def test_an_audit_cursor_from_before_the_one_codec_still_pages() -> None:
    # The audit trail used to issue padded cursors; a client holding one must still be able to use it.
    assert cursors.decode_audit(base64.urlsafe_b64encode(b"audit:v1:77").decode()) == 77


@pytest.mark.parametrize("cursor", [
    cursors.encode_person("H00000001"),  # another connection's cursor
    cursors.encode("people-by-surname", "5"),  # an ordering cursor
    base64.urlsafe_b64encode(b"audit:v2:5").decode(),  # another version
    cursors.encode("audit", "-5"),
    cursors.encode("audit", "5" * 40),
    cursors.encode("audit", "\u00b2"),  # a digit to str.isdigit, not to int()
    "%%%not base64%%%",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_a_cursor_of_another_kind_or_shape_is_refused_as_bad_input(cursor: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        cursors.decode_audit(cursor)
    assert refused.value.as_extensions() == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_an_audit_cursor_is_not_a_person_cursor() -> None:
    with pytest.raises(BadUserInput):
        cursors.decode_person(cursors.encode_audit(1))

"""Each error names its audit outcome; the record of a request takes it from the error that answered."""

from __future__ import annotations

from audit.record import Disclosure
from hub.core.errors import (
    AuditUnavailable,
    BadUserInput,
    ConfigurationError,
    FieldNotShared,
    FilterNotPermitted,
    HubError,
    QueryTimeout,
    Unauthenticated,
)
from hub.web.audit_middleware import outcome_of
from hub.web.body_limit import BodyTooLarge, TooManyOperations
from hub.web.persisted import OperationNotRegistered
from hub.web.response_size import ResponseTooLarge
from hub.web.state import Executed
from schema.graph.extensions.guards import TooManyTokens
from tests.http.conftest import Governed

COUNT = "query($m: CountMeasure!) { partnershipCounts(measure: $m) { total } }"


def test_each_error_class_carries_its_outcome() -> None:
    expected: dict[type[HubError], str] = {
        HubError: "error", ConfigurationError: "error", AuditUnavailable: "error", QueryTimeout: "error",
        BadUserInput: "malformed", BodyTooLarge: "malformed", TooManyOperations: "malformed",
        Unauthenticated: "unauthenticated", FilterNotPermitted: "refused", TooManyTokens: "refused",
        OperationNotRegistered: "refused", ResponseTooLarge: "refused", FieldNotShared: "partial",
    }
    assert {kind: kind.outcome for kind in expected} == expected


def test_a_stage_that_answered_decides_then_the_status_then_the_operation() -> None:
    assert outcome_of(413, BodyTooLarge("big"), None) == "malformed"
    assert outcome_of(405, None, None) == "malformed"
    assert outcome_of(500, None, Executed(Disclosure())) == "error"
    about_one = Disclosure(subjects=("H00000001",))
    assert outcome_of(200, None, Executed(Disclosure(), ("BAD_USER_INPUT",), frozenset({"malformed"}))) == "malformed"
    assert outcome_of(200, None, Executed(about_one, ("BAD_USER_INPUT",), frozenset({"malformed"}))) == "ok"
    assert outcome_of(200, None, Executed(about_one, ("X",), frozenset({"refused", "error"}))) == "refused"
    assert outcome_of(200, None, Executed(Disclosure(withheld={"Person.name": "c"}))) == "partial"


async def test_a_count_the_agreement_does_not_share_is_a_partial_answer(governed: Governed) -> None:
    result = await governed.ask(COUNT, {"m": "ACCOMMODATION_STATUS"}, role="police-iom-officer", purpose="iom")
    assert [e["extensions"]["code"] for e in result["errors"]] == ["FIELD_NOT_SHARED"]
    (record,) = await governed.records()
    assert (record.event.outcome, record.event.error_codes) == ("partial", ("FIELD_NOT_SHARED",))

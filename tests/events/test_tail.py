"""``hub events tail``: information governance sees the stream with people pseudonymised, and is audited."""

from __future__ import annotations

import asyncio

from hub.cli.events import tail
from hub.cli.simulate import arrest
from hub.core.settings import Settings
from tests.events.conftest import audit_records

PERSON = "H00000001"


def test_tail_shows_events_pseudonymised_and_audits_what_it_showed(own_settings: Settings) -> None:
    asyncio.run(arrest(own_settings, PERSON))
    asyncio.run(arrest(own_settings, PERSON))
    lines: list[str] = []
    asyncio.run(tail(own_settings, "ig-001", "Review of event sharing IG-7", last=5, follow=False, out=lines))
    arrests = [line for line in lines if "Arrested" in line]
    assert len(arrests) == 2
    assert all(PERSON not in line for line in lines)
    pseudonyms = {line.split()[-1] for line in arrests}
    assert len(pseudonyms) == 1 and next(iter(pseudonyms)).startswith("P-")  # the same person, unnamed
    [record] = [r.event for r in audit_records(own_settings) if r.event.operation_name == "hub events tail"]
    assert (record.actor_id, record.purpose) == ("ig-001", "audit")
    assert record.justification == "Review of event sharing IG-7"
    assert PERSON in record.subjects

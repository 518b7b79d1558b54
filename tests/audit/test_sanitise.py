"""The store escapes and bounds every record's free text, whoever built the record (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from audit.integrity import verify
from audit.review import AuditFilter, search
from audit.sanitise import CUT, LIMITS, clean
from tests.audit.conftest import StoreFactory, event


async def test_free_text_is_escaped_and_bounded_as_it_is_stored(make_store: StoreFactory) -> None:
    store = await make_store()
    hostile = event(1, justification="ok\r\nseq 99 forged\x1b[0m\ud800", user_agent="\u202egnp.exe" + "x" * 999,
                    actor_id="a" * 999, operation_name="Op\x00" * 200, purpose="iom\t" * 100,
                    source_address="\x07" * 99)
    await store.append(hostile)
    await store.flush()
    (rec,), _ = await search(store, AuditFilter())
    e = rec.event
    assert e.justification == "ok\\r\\nseq 99 forged\\x1b[0m\\ud800"
    assert e.user_agent.startswith("\\u202egnp.exe") and e.user_agent.endswith(CUT)
    for name, limit in LIMITS.items():
        value = getattr(e, name)
        assert len(value) <= limit and value.isprintable(), name
    assert e.actor_id == "a" * (LIMITS["actor_id"] - 1) + CUT
    assert (await verify(store.engine, store.keys)).ok  # the chain covers the record as stored


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("plain text", 20, "plain text"),
    ("back\\slash", 20, "back\\\\slash"),
    ("tab\there", 20, "tab\\there"),
    ("zero\u200bwidth", 20, "zero\\u200bwidth"),
    ("abcdef", 4, "abc…"),
    ("ab\x1b", 4, "ab…"),  # an escape that does not fit is left out whole, never cut in half
    ("Zoë — ok", 20, "Zoë — ok"),
])
def test_clean(text: str, limit: int, expected: str) -> None:
    assert clean(text, limit) == expected

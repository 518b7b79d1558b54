"""``auditIntegrity`` (for information governance, over GraphQL) checks the trail against the witness too:
records cut from the end, checkpoints and all, are found, as ``hub audit verify`` finds them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from audit.tables import audit_checkpoint, audit_record, audit_subject
from tests.http.conftest import Governed

INTEGRITY = "{ auditIntegrity { ok records checkpoints problem firstBadSeq treeRoot witnessConsulted " \
            "witnessedCheckpoints lastCheckpoint { size root note } } }"


async def integrity(governed: Governed) -> dict[str, Any]:
    answer = await governed.ask(INTEGRITY, role="ig-officer", purpose="audit", justification="integrity check")
    assert "errors" not in answer, answer
    found: dict[str, Any] = answer["data"]["auditIntegrity"]
    return found


async def test_a_cut_end_is_found_through_the_witness(governed: Governed) -> None:
    for _ in range(4):
        await governed.ask("{ people(first: 1) { edges { node { id } } } }", role="probation-practitioner",
                           purpose="iom")
    store = await governed.app.state.governance.audit.store()
    await store.flush()
    signed = await store.checkpoint()
    assert signed is not None
    whole = await integrity(governed)
    assert whole["ok"] and whole["witnessConsulted"] and whole["witnessedCheckpoints"] >= 1
    assert len(str(whole["treeRoot"])) == 64
    last = whole["lastCheckpoint"]
    assert last["size"] == signed and len(last["root"]) == 64
    assert f"\n{signed}\n" in last["note"], "the signed note names the tree size it signs"
    # Someone with the database removes the last two records and every checkpoint that would show it.
    keep = signed - 2
    async with store.engine.begin() as conn:
        await conn.execute(delete(audit_subject).where(audit_subject.c.seq > keep))
        await conn.execute(delete(audit_record).where(audit_record.c.seq > keep))
        await conn.execute(delete(audit_checkpoint).where(audit_checkpoint.c.seq > keep))
    cut = await integrity(governed)
    assert cut["ok"] is False and cut["firstBadSeq"] == keep + 1
    assert "removed from the end" in str(cut["problem"])

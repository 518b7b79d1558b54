"""Inclusion and consistency proofs against signed checkpoints (``hub audit prove``).

A proof is JSON holding everything a verifier needs besides the trail's public key: the signed
checkpoint (C2SP text) and the audit path of base64 hashes, and for inclusion the record's stored
canonical JSON (its leaf is ``SHA-256(0x00 || record)``). ``audit/verify_proof.py`` checks it
offline. Built from stored subtree roots and at most a block of records per proof: logarithmic.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Connection, select

from audit.merkle import consistency_path, inclusion_path
from audit.tables import audit_checkpoint, audit_record
from audit.tree import StoredTree, TreeIncomplete


class NoProof(Exception):
    """The proof asked for cannot be given (no such record or checkpoint); the message says why."""


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


def _checkpoint(conn: Connection, size: int | None) -> tuple[int, str]:
    """The latest signed tree head, or the one of ``size`` records."""
    query = select(audit_checkpoint.c.seq, audit_checkpoint.c.note).where(audit_checkpoint.c.note.is_not(None))
    if size is not None:
        query = query.where(audit_checkpoint.c.seq == size)
    row = conn.execute(query.order_by(audit_checkpoint.c.id.desc()).limit(1)).first()
    if row is None:
        raise NoProof(f"no signed checkpoint of {size} records" if size is not None
                      else "no signed checkpoint yet (one is made every HUB_AUDIT_CHECKPOINT_SECONDS)")
    return int(row.seq), str(row.note)


def inclusion(conn: Connection, seq: int, size: int | None = None) -> dict[str, Any]:
    """Record ``seq`` is leaf ``seq - 1`` of the tree the checkpoint (latest, or of ``size``) signs."""
    tree_size, note = _checkpoint(conn, size)
    if not 1 <= seq <= tree_size:
        raise NoProof(f"record {seq} is not in the signed tree of {tree_size} records")
    body = conn.execute(select(audit_record.c.body).where(audit_record.c.seq == seq)).scalar()
    if body is None:
        raise NoProof(f"record {seq} is not in the store")
    try:
        path = inclusion_path(seq - 1, tree_size, StoredTree(conn).subtree)
    except TreeIncomplete as exc:
        raise NoProof(str(exc)) from exc
    return {"proof": "inclusion", "seq": seq, "leaf_index": seq - 1, "tree_size": tree_size, "record": body,
            "audit_path": _b64(path), "checkpoint": note}


def consistency(conn: Connection, first: int, second: int) -> dict[str, Any]:
    """The signed tree of ``first`` records is a prefix of the signed tree of ``second``."""
    if not 0 < first <= second:
        raise NoProof("--from must be at least 1 and not larger than --to")
    old, new = _checkpoint(conn, first), _checkpoint(conn, second)
    try:
        path = consistency_path(first, second, StoredTree(conn).subtree)
    except TreeIncomplete as exc:
        raise NoProof(str(exc)) from exc
    return {"proof": "consistency", "first": {"tree_size": first, "checkpoint": old[1]},
            "second": {"tree_size": second, "checkpoint": new[1]}, "consistency_path": _b64(path)}

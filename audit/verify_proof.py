"""Check a ``hub audit prove`` proof offline: ``python audit/verify_proof.py proof.json --key audit-public.pem``.

Standalone on purpose: the standard library and ``cryptography`` only, nothing of the hub, so an
auditor can read all of it and run it anywhere. It checks

- the checkpoint: a C2SP tlog-checkpoint (origin, tree size, base64 RFC 6962 root) in a C2SP signed
  note, signed with Ed25519 by the given public key under the key name the note gives, with the key
  ID signed-note prescribes (``SHA-256(name || 0x0A || 0x01 || public key)[:4]``);
- an inclusion proof: the record's leaf hash ``SHA-256(0x00 || record)`` and its audit path lead to
  that root (RFC 9162 section 2.1.3.2);
- a consistency proof: the smaller signed tree is a prefix of the larger one (RFC 9162 section
  2.1.4.2).

Exit status 0 when everything verifies, 1 naming what does not.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014 "


class ProofError(Exception):
    """The proof, or the checkpoint it rests on, does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def note_key_id(name: str, public: Ed25519PublicKey) -> bytes:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + raw).digest()[:4]


def open_checkpoint(note: str, public: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint a signed note holds, once its signature by ``public`` (named as its origin) verifies."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise ProofError("the checkpoint is not a signed note (text, blank line, signature lines)")
    text += "\n"
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise ProofError("the checkpoint has fewer than three lines (origin, tree size, root hash)")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise ProofError("the checkpoint's tree size is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as exc:
        raise ProofError("the checkpoint's root hash is not base64") from exc
    if len(root) != 32:
        raise ProofError("the checkpoint's root hash is not 32 bytes")
    key_id = note_key_id(origin, public)
    verified = False
    for line in signatures[:-1].split("\n"):
        if not line.startswith(DASH):
            raise ProofError("a signature line of the checkpoint is malformed")
        name, _, signature_text = line[len(DASH):].rpartition(" ")
        try:
            signature = base64.b64decode(signature_text, validate=True)
        except binascii.Error as exc:
            raise ProofError("a signature of the checkpoint is not base64") from exc
        if name != origin or signature[:4] != key_id:
            continue  # another key's signature (a witness's cosignature, say): not ours to judge
        try:
            public.verify(signature[4:], text.encode())
        except InvalidSignature as exc:
            raise ProofError("the checkpoint's signature does not verify: it was altered or signed by another key") \
                from exc
        verified = True
    if not verified:
        raise ProofError(f"the checkpoint carries no signature by this key under the name {origin}")
    return Checkpoint(origin, int(size_text), root)


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def record_leaf(record: str) -> bytes:
    return hashlib.sha256(b"\x00" + record.encode()).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> None:
    """RFC 9162 2.1.3.2: raises :class:`ProofError` unless ``leaf`` is leaf ``index`` of the tree with ``root``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion path is shorter than the tree is deep")
    if r != root:
        raise ProofError("the inclusion path does not lead to the checkpoint's root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, path: list[bytes]) -> None:
    """RFC 9162 2.1.4.2: raises :class:`ProofError` unless the tree ``old_root`` is a prefix of ``new_root``."""
    if not 0 < old <= new:
        raise ProofError(f"no consistency between trees of {old} and {new} leaves")
    if old == new:
        if path or old_root != new_root:
            raise ProofError("two checkpoints of one size differ, or a proof was given where none is due")
        return
    if old & (old - 1) == 0:  # a power of two: the old root is itself a node of the new tree
        path = [old_root, *path]
    if not path:
        raise ProofError("the consistency path is empty")
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency path is shorter than the tree is deep")
    if fr != old_root:
        raise ProofError("the consistency path does not lead to the older checkpoint's root")
    if sr != new_root:
        raise ProofError("the consistency path does not lead to the newer checkpoint's root")


def _hashes(items: Any) -> list[bytes]:
    if not isinstance(items, list):
        raise ProofError("a proof path is not a list")
    try:
        return [base64.b64decode(str(h), validate=True) for h in items]
    except binascii.Error as exc:
        raise ProofError("a proof path holds something that is not base64") from exc


def verify_proof(proof: dict[str, Any], public: Ed25519PublicKey) -> str:
    """What the proof shows, in a sentence; raises :class:`ProofError` if it does not."""
    try:
        kind = proof["proof"]
        if kind == "inclusion":
            head = open_checkpoint(str(proof["checkpoint"]), public)
            size, index = int(proof["tree_size"]), int(proof["leaf_index"])
            if size != head.size:
                raise ProofError(f"the proof is for a tree of {size} leaves, the checkpoint signs {head.size}")
            if index != int(proof["seq"]) - 1:
                raise ProofError("record seq and leaf index disagree (leaf index is seq - 1)")
            leaf = record_leaf(str(proof["record"]))
            verify_inclusion(index, size, leaf, _hashes(proof["audit_path"]), head.root)
            return f"record {index + 1} is in the trail of {size} records signed as {head.origin}"
        if kind == "consistency":
            old = open_checkpoint(str(proof["first"]["checkpoint"]), public)
            new = open_checkpoint(str(proof["second"]["checkpoint"]), public)
            if old.origin != new.origin:
                raise ProofError("the two checkpoints are of different logs")
            verify_consistency(old.size, new.size, old.root, new.root, _hashes(proof["consistency_path"]))
            return (f"the trail of {new.size} records extends the trail of {old.size} records unchanged "
                    f"(both signed as {new.origin})")
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"the proof is not in the expected form ({type(exc).__name__}: {exc})") from exc
    raise ProofError(f"unknown proof kind {kind!r}")


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ProofError("the key is not an Ed25519 public key")
    return key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="verify_proof.py", description=__doc__.splitlines()[0])
    parser.add_argument("proof", type=Path, help="the JSON that `hub audit prove` printed ('-': standard input)")
    parser.add_argument("--key", type=Path, required=True, help="the trail's audit-public.pem")
    args = parser.parse_args(argv)
    try:
        text = sys.stdin.read() if str(args.proof) == "-" else args.proof.read_text()
        print("verified:", verify_proof(json.loads(text), load_public_key(args.key.read_bytes())))
    except (ProofError, ValueError, OSError) as exc:
        print(f"NOT verified: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

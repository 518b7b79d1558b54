"""The trail as an RFC 6962 Merkle tree: leaf and node hashing, the compact range, proof paths.

Leaf ``i`` (0-based) is record ``seq = i + 1``; its hash is ``SHA-256(0x00 || body)``, the record's
canonical JSON as stored, so a proof is checked with the record alone (no chain hash, no other
record) by any RFC 6962 verifier. Interior nodes are ``SHA-256(0x01 || left || right)``.

A tree of ``n`` leaves is summed up by its *compact range*: the roots of the perfect subtrees that
``n``'s binary digits describe (at most one per bit, largest first). Appending a leaf merges equal
sizes, so appends are amortised O(1) and the root is a fold of at most log2(n) hashes.

Proofs (RFC 6962 section 2.1.1 and 2.1.2) are built over any source of perfect subtree hashes,
``subtree(level, index)``: the root of leaves ``[index * 2**level, (index + 1) * 2**level)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

Subtree = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(body: str) -> bytes:
    return hashlib.sha256(b"\x00" + body.encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True)
class Node:
    """A perfect subtree's root: leaves ``[index << level, (index + 1) << level)``."""

    level: int
    index: int
    hash: bytes


@dataclass
class CompactRange:
    size: int = 0
    #: perfect subtree roots, largest first: one per set bit of ``size``
    hashes: list[bytes] = field(default_factory=list)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, list(self.hashes))

    def append(self, leaf: bytes, keep_from_level: int = 0) -> list[Node]:
        """Add one leaf; returns the completed subtrees at ``keep_from_level`` or above (those worth storing)."""
        completed: list[Node] = []
        index = self.size
        self.hashes.append(leaf)
        level = 0
        while index & 1:  # each trailing 1 bit of the old size is a subtree of this size to merge with
            right = self.hashes.pop()
            self.hashes[-1] = node_hash(self.hashes[-1], right)
            index >>= 1
            level += 1
            if level >= keep_from_level:
                completed.append(Node(level, index, self.hashes[-1]))
        self.size += 1
        if keep_from_level == 0:
            completed.insert(0, Node(0, self.size - 1, leaf))
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            root = node_hash(h, root)
        return root


def levels(size: int) -> list[int]:
    """The levels of a compact range of ``size`` leaves, largest first."""
    return [b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): where RFC 6962 splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(lo: int, hi: int, subtree: Subtree) -> bytes:
    """MTH(D[lo:hi]) for an ``lo`` aligned as RFC 6962's recursion leaves it (a multiple of split's sizes)."""
    n = hi - lo
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return subtree(level, lo >> level)
    k = split(n)
    return node_hash(range_hash(lo, lo + k, subtree), range_hash(lo + k, hi, subtree))


def inclusion_path(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[0:size]): the siblings from the leaf up to the root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = split(hi - lo)
        if m < lo + k:
            return [*path(m, lo, lo + k), range_hash(lo + k, hi, subtree)]
        return [*path(m, lo + k, hi), range_hash(lo, lo + k, subtree)]

    return path(index, 0, size)


def consistency_path(old: int, new: int, subtree: Subtree) -> list[bytes]:
    """PROOF(old, D[0:new]): what shows the tree of ``old`` leaves is a prefix of the tree of ``new``."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from a tree of {old} leaves to one of {new}")

    def subproof(m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if whole else [range_hash(lo, hi, subtree)]
        k = split(hi - lo)
        if m <= k:
            return [*subproof(m, lo, lo + k, whole), range_hash(lo + k, hi, subtree)]
        return [*subproof(m - k, lo + k, hi, False), range_hash(lo, lo + k, subtree)]

    return [] if old == new else subproof(old, 0, new, True)

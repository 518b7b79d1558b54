"""The Merkle tree as the audit database holds it: stored subtree roots, and records for the rest.

Subtrees of ``2**STORED_LEVEL`` leaves and larger are rows of ``audit_tree_node``; anything smaller
is hashed from the records' bodies (at most one block of ``2**STORED_LEVEL`` of them). Every function
takes a synchronous connection, so the writer's transaction and a reader's ``run_sync`` share them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, insert, select

from audit.merkle import CompactRange, Node, leaf_hash, levels, node_hash
from audit.tables import STORED_LEVEL, audit_record, audit_tree_node

BLOCK = 1 << STORED_LEVEL

_INSERT_NODES = insert(audit_tree_node)


class TreeIncomplete(Exception):
    """A record or stored node the tree needs is missing: the trail was cut or its node index damaged."""


def store_nodes(conn: Connection, nodes: Iterable[Node]) -> None:
    rows = [{"level": n.level, "idx": n.index, "hash": n.hash.hex()} for n in nodes]
    if rows:
        conn.execute(_INSERT_NODES, rows)


class StoredTree:
    """Perfect subtree hashes read from one connection, each block of records hashed once."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._blocks: dict[int, list[bytes]] = {}

    def _leaves(self, block: int) -> list[bytes]:
        if block not in self._blocks:
            lo = block * BLOCK
            bodies = self.conn.execute(select(audit_record.c.body).where(
                audit_record.c.seq > lo, audit_record.c.seq <= lo + BLOCK).order_by(audit_record.c.seq)).scalars()
            self._blocks[block] = [leaf_hash(b) for b in bodies]
        return self._blocks[block]

    def subtree(self, level: int, index: int) -> bytes:
        if level >= STORED_LEVEL:
            found = self.conn.execute(select(audit_tree_node.c.hash).where(
                audit_tree_node.c.level == level, audit_tree_node.c.idx == index)).scalar()
            if found is None:
                raise TreeIncomplete(f"the stored tree lacks the node for records {(index << level) + 1} to "
                                     f"{(index + 1) << level}")
            return bytes.fromhex(found)
        first = index << level
        offset = first % BLOCK
        leaves = self._leaves(first // BLOCK)[offset: offset + (1 << level)]
        if len(leaves) != 1 << level:
            raise TreeIncomplete(f"records {first + 1} to {first + (1 << level)} are not all stored")
        return _fold(leaves)

    def compact_range(self, size: int) -> CompactRange:
        """The compact range of the first ``size`` records: stored nodes, then the last partial block hashed."""
        hashes: list[bytes] = []
        start = 0
        for level in levels(size):
            if level < STORED_LEVEL:
                break
            hashes.append(self.subtree(level, start >> level))
            start += 1 << level
        tail = CompactRange()
        for leaf in self._leaves(start // BLOCK)[: size - start] if size > start else []:
            tail.append(leaf)
        if tail.size != size - start:
            raise TreeIncomplete(f"records {start + 1} to {size} are not all stored")
        return CompactRange(size, hashes + tail.hashes)


def _fold(leaves: list[bytes]) -> bytes:
    """A perfect subtree's root from its leaves, a power of two of them (the small ones, below ``STORED_LEVEL``)."""
    while len(leaves) > 1:
        leaves = [node_hash(leaves[i], leaves[i + 1]) for i in range(0, len(leaves), 2)]
    return leaves[0]

"""The trail as a Merkle tree: stored subtree roots, and checkpoints that sign the tree's root.

``audit_tree_node`` is filled for the records already written (their bodies hashed once, in seq
order); ``audit_checkpoint`` gains the signed tree root and C2SP checkpoint, empty on older rows
(their chain-head signatures still verify). No record is rewritten.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from audit.merkle import CompactRange, Node, leaf_hash
from audit.tables import STORED_LEVEL

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")
PAGE = 5000


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {c["name"] for c in inspector.get_columns("audit_checkpoint")}
    if "root_hash" not in columns:
        op.add_column("audit_checkpoint", sa.Column("root_hash", sa.String(64)))
    if "note" not in columns:
        op.add_column("audit_checkpoint", sa.Column("note", sa.Text))
    if "audit_tree_node" not in inspector.get_table_names():
        op.create_table(
            "audit_tree_node",
            sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
            sa.Column("idx", SEQ, primary_key=True, autoincrement=False),
            sa.Column("hash", sa.String(64), nullable=False),
        )
    _backfill(bind)


def _backfill(bind: sa.Connection) -> None:
    """Store the subtree roots of records written before the tree existed (a trail adopted from 0001)."""
    record = sa.table("audit_record", sa.column("seq"), sa.column("body"))
    node = sa.table("audit_tree_node", sa.column("level"), sa.column("idx"), sa.column("hash"))
    stored = {(int(r.level), int(r.idx)) for r in bind.execute(sa.select(node.c.level, node.c.idx))}
    tree, seq = CompactRange(), 0
    while True:
        rows = bind.execute(sa.select(record.c.seq, record.c.body).where(record.c.seq > seq)
                            .order_by(record.c.seq).limit(PAGE)).all()
        if not rows:
            return
        missing: list[Node] = []
        for row in rows:
            seq = int(row.seq)
            if seq != tree.size + 1:  # a gap: leave the tree to verification to report, store nothing past it
                return
            missing += [n for n in tree.append(leaf_hash(row.body), STORED_LEVEL) if (n.level, n.index) not in stored]
        if missing:
            bind.execute(sa.insert(node), [{"level": n.level, "idx": n.index, "hash": n.hash.hex()} for n in missing])


def downgrade() -> None:
    raise NotImplementedError("the audit trail is never dropped by a migration")

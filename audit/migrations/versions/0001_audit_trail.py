"""The audit trail: hash-chained records, their subjects, signed checkpoints, the health probe.

A trail the first release created without Alembic (tables present, no version table) is adopted as
it is: tables are only created where missing, and records are never rewritten by a migration.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "audit_record" not in existing:
        op.create_table(
            "audit_record",
            sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
            sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor_id", sa.String(200), nullable=False),
            sa.Column("agency", sa.String(40), nullable=False),
            sa.Column("roles", sa.Text, nullable=False),
            sa.Column("purpose", sa.String(64), nullable=False),
            sa.Column("outcome", sa.String(20), nullable=False),
            sa.Column("trace_id", sa.String(64), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("prev_hash", sa.String(64), nullable=False),
            sa.Column("hash", sa.String(64), nullable=False, unique=True),
        )
        for column in ("occurred_at", "actor_id", "purpose", "outcome"):
            op.create_index(f"ix_audit_record_{column}", "audit_record", [column])
        op.create_index("ix_audit_record_agency_purpose", "audit_record", ["agency", "purpose"])
    if "audit_subject" not in existing:
        op.create_table(
            "audit_subject",
            sa.Column("seq", SEQ, primary_key=True, autoincrement=False),
            sa.Column("person_id", sa.String(64), primary_key=True),
        )
        op.create_index("ix_audit_subject_person_id", "audit_subject", ["person_id"])
    if "audit_checkpoint" not in existing:
        op.create_table(
            "audit_checkpoint",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("seq", SEQ, nullable=False),
            sa.Column("head_hash", sa.String(64), nullable=False),
            sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("key_id", sa.String(32), nullable=False),
            sa.Column("signature", sa.String(200), nullable=False),
        )
    if "audit_probe" not in existing:
        op.create_table("audit_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    raise NotImplementedError("the audit trail is never dropped by a migration")

"""replies to comments and comment hiding claimed by the delivery engine; metrics read claims

Revision ID: 0013_reply_engine
Revises: 0012_sms_engine
Create Date: 2026-11-23 23:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0013_reply_engine"
down_revision = "0012_sms_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commentreply", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_reconcile", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_at", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("lease_until", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_commentreply_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index("uq_commentreply_remote", ["remote_id"], unique=True)
    with op.batch_alter_table("inboundcomment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sync_claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("sync_lease_until", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("sync_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_inboundcomment_sync_claim", ["sync_claimed_by"], unique=False)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("metrics_checked_at", app.clock.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_column("metrics_checked_at")
    with op.batch_alter_table("inboundcomment", schema=None) as batch_op:
        batch_op.drop_index("ix_inboundcomment_sync_claim")
        for name in ("sync_attempts", "sync_lease_until", "sync_claimed_by"):
            batch_op.drop_column(name)
    with op.batch_alter_table("commentreply", schema=None) as batch_op:
        batch_op.drop_index("uq_commentreply_remote")
        batch_op.drop_index("ix_commentreply_due")
        for name in ("lease_until", "claimed_at", "claimed_by", "needs_reconcile"):
            batch_op.drop_column(name)

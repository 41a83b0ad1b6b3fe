"""outbound SMS claimed by the delivery engine: lease, retry time, reconcile flag

Revision ID: 0012_sms_engine
Revises: 0011_notification_text_data
Create Date: 2026-11-23 21:55:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0012_sms_engine"
down_revision = "0011_notification_text_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outboundsms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_at", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("lease_until", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("next_attempt_at", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("needs_reconcile", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outboundsms", schema=None) as batch_op:
        for name in (
            "needs_reconcile",
            "next_attempt_at",
            "lease_until",
            "claimed_at",
            "claimed_by",
        ):
            batch_op.drop_column(name)

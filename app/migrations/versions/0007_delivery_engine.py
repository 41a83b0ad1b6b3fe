"""one delivery per remote message, outbox references, scheduled jobs' last runs

Revision ID: 0007_delivery_engine
Revises: 0006
Create Date: 2026-11-23 20:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0007_delivery_engine"
down_revision = "0006"
branch_labels = None
depends_on = None

# Deliveries that were settled with a message another delivery already holds: a person must check.
UNSETTLE = """
UPDATE delivery SET status = 'uncertain', remote_id = NULL, remote_url = NULL,
    last_error = 'this post was matched to a message that belongs to another post; check the channel'
WHERE remote_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM delivery AS earlier
    WHERE earlier.channel_id = delivery.channel_id AND earlier.remote_id = delivery.remote_id
      AND earlier.id < delivery.id
)
"""


def upgrade() -> None:
    op.execute(UNSETTLE)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("uq_delivery_remote", ["channel_id", "remote_id"], unique=True)
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.create_index("ix_outboxmessage_reference", ["channel_id", "reference"])
    op.create_table(
        "jobrun",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("last_started_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error_kind", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("failures_in_row", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("jobrun")
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index("ix_outboxmessage_reference")
        batch_op.drop_column("reference")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("uq_delivery_remote")

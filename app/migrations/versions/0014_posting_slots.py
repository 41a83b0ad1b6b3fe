"""posting schedule: the weekly times each channel takes queued posts at

Revision ID: 0014_posting_slots
Revises: 0014_clinician_network
Create Date: 2026-11-24 02:30:00
"""

import sqlalchemy as sa
from alembic import op

import app.clock

revision = "0014_posting_slots"
down_revision = "0014_clinician_network"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postingslot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id", "weekday", "minute"),
    )
    op.create_index(op.f("ix_postingslot_channel_id"), "postingslot", ["channel_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_postingslot_channel_id"), table_name="postingslot")
    op.drop_table("postingslot")

"""threads on X: a post's further parts (live parts with their own approval) and each part's send
on each channel

Revision ID: 0014_post_threads
Revises: 0014_posting_slots
Create Date: 2026-11-24 02:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0014_post_threads"
down_revision = "0014_posting_slots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postpart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.Column("health_claim", sa.Boolean(), nullable=False),
        sa.Column("moderation_flags", sa.JSON(none_as_null=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "ready",
                "awaiting_approval",
                "approved",
                "rejected",
                name="partstatus",
                native_enum=False,
                create_constraint=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"]),
        sa.ForeignKeyConstraint(["reviewed_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "position"),
    )
    with op.batch_alter_table("postpart", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postpart_post_id"), ["post_id"], unique=False)
    op.create_table(
        "threadpartsend",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "sending",
                "sent",
                "failed",
                name="partstate",
                native_enum=False,
                create_constraint=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("remote_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("remote_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("started_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["channel.id"]),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "channel_id", "position"),
    )
    with op.batch_alter_table("threadpartsend", schema=None) as batch_op:
        batch_op.create_index("ix_threadpartsend_delivery", ["delivery_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("threadpartsend", schema=None) as batch_op:
        batch_op.drop_index("ix_threadpartsend_delivery")
    op.drop_table("threadpartsend")
    with op.batch_alter_table("postpart", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postpart_post_id"))
    op.drop_table("postpart")

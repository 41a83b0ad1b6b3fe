"""the version of a post a clinician decided on, so an edit after the decision shows as a diff

Revision ID: 0014_post_review_versions
Revises: 0013_two_factor_and_review_desk
Create Date: 2026-11-24 02:40:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0014_post_review_versions"
down_revision = "0013_two_factor_and_review_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "postreviewversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("channel_texts", sa.JSON(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("postreviewversion", schema=None) as batch_op:
        batch_op.create_index("ix_postreviewversion_post", ["post_id", "id"], unique=False)
    _queue_posts_awaiting_approval()


def _queue_posts_awaiting_approval() -> None:
    """Posts already waiting for a clinician join the review queue like those asked from now on."""
    post = sa.table(
        "post",
        sa.column("id", sa.Integer()),
        sa.column("author_id", sa.Integer()),
        sa.column("text", sa.Text()),
        sa.column("status", sa.String()),
        sa.column("health_claim", sa.Boolean()),
        sa.column("moderation_flags", sa.JSON()),
    )
    reviewable = sa.table(
        "reviewable",
        *(
            sa.column(name, sa.Integer())
            for name in ("target_id", "author_id", "severity", "version")
        ),
        sa.column("kind", sa.String()),
        sa.column("text", sa.Text()),
        sa.column("status", sa.String()),
        sa.column("clinical", sa.Boolean()),
        sa.column("score", sa.Float()),
        *(sa.column(name, sa.JSON()) for name in ("flags", "scores", "reasons")),
        *(
            sa.column(name, app.clock.UTCDateTime(timezone=True))
            for name in ("created_at", "updated_at")
        ),
    )
    connection = op.get_bind()
    waiting = connection.execute(sa.select(post).where(post.c.status == "awaiting_approval"))
    now = datetime.now(UTC)
    rows = [
        {
            "kind": "post_approval",
            "target_id": row.id,
            "author_id": row.author_id,
            "text": row.text,
            "status": "pending",
            "clinical": True,
            "severity": 20,
            "score": 0.0,
            "flags": (["health_claim"] if row.health_claim else [])
            + list(row.moderation_flags or []),
            "scores": {},
            "reasons": {},
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for row in waiting
    ]
    if rows:
        connection.execute(sa.insert(reviewable), rows)


def downgrade() -> None:
    op.execute(
        "DELETE FROM reviewevent WHERE reviewable_id IN "
        "(SELECT id FROM reviewable WHERE kind = 'post_approval')"
    )
    op.execute("DELETE FROM reviewable WHERE kind = 'post_approval'")
    with op.batch_alter_table("postreviewversion", schema=None) as batch_op:
        batch_op.drop_index("ix_postreviewversion_post")
    op.drop_table("postreviewversion")

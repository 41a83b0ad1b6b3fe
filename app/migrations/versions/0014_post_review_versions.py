"""the version of a post a clinician decided on, so an edit after the decision shows as a diff

Revision ID: 0014_post_review_versions
Revises: 0013_two_factor_and_review_desk
Create Date: 2026-11-24 02:40:00
"""

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


def downgrade() -> None:
    with op.batch_alter_table("postreviewversion", schema=None) as batch_op:
        batch_op.drop_index("ix_postreviewversion_post")
    op.drop_table("postreviewversion")

"""thread titles and categories, search text, edit history and tombstones, follows and images in groups

Revision ID: 0014_group_threads
Revises: 0014_post_review_versions
Create Date: 2026-11-24 02:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0014_group_threads"
down_revision = "0014_post_review_versions"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
    "visible",
    "hidden",
    "held",
    "removed",
    name="contentstatus",
    native_enum=False,
    create_constraint=False,
    length=20,
)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, app.clock.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "groupcategory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(["group_id"], ["supportgroup.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "name"),
    )
    op.create_index("ix_groupcategory_group_id", "groupcategory", ["group_id"])
    with op.batch_alter_table("grouppost") as batch:
        batch.add_column(
            sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(_when("edited_at", nullable=True))
        batch.add_column(_when("deleted_at", nullable=True))
        batch.create_foreign_key(
            "fk_grouppost_category_id", "groupcategory", ["category_id"], ["id"]
        )
        batch.create_index("ix_grouppost_category_id", ["category_id"])
    op.create_table(
        "grouppostversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        _when("replaced_at"),
        sa.Column("change", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["grouppost.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grouppostversion_post_id", "grouppostversion", ["post_id"])
    op.create_table(
        "groupthreadfollow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(["post_id"], ["grouppost.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "post_id"),
    )
    op.create_index("ix_groupthreadfollow_post_id", "groupthreadfollow", ["post_id"])
    op.create_table(
        "grouppostimage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("mime_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        _when("created_at"),
        sa.ForeignKeyConstraint(["post_id"], ["grouppost.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grouppostimage_post_id", "grouppostimage", ["post_id"])


def downgrade() -> None:
    op.drop_index("ix_grouppostimage_post_id", table_name="grouppostimage")
    op.drop_table("grouppostimage")
    op.drop_index("ix_groupthreadfollow_post_id", table_name="groupthreadfollow")
    op.drop_table("groupthreadfollow")
    op.drop_index("ix_grouppostversion_post_id", table_name="grouppostversion")
    op.drop_table("grouppostversion")
    with op.batch_alter_table("grouppost") as batch:
        batch.drop_index("ix_grouppost_category_id")
        batch.drop_constraint("fk_grouppost_category_id", type_="foreignkey")
        for name in ("deleted_at", "edited_at", "search_text", "category_id", "title"):
            batch.drop_column(name)
    op.drop_index("ix_groupcategory_group_id", table_name="groupcategory")
    op.drop_table("groupcategory")

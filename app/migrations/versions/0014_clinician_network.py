"""the clinician network: profiles, "useful" reactions, polls, anonymous cases, direct messages

Revision ID: 0014_clinician_network
Revises: 0014_group_threads
Create Date: 2026-11-24 02:40:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0014_clinician_network"
down_revision = "0014_group_threads"
branch_labels = None
depends_on = None

STATUS = sa.Enum(
    "visible", "hidden", "held", "removed", name="contentstatus", native_enum=False, length=20
)


def _string(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("networkpost", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "clinicianprofile",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("specialty", _string(40), nullable=True),
        sa.Column("centre", _string(120), nullable=True),
        sa.Column("interests", _string(300), nullable=True),
        sa.Column("bio", _string(500), nullable=True),
        sa.Column("updated_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(
        "ix_clinicianprofile_specialty", "clinicianprofile", ["specialty"], unique=False
    )
    op.create_table(
        "networkreaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["networkpost.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "user_id"),
    )
    op.create_index("ix_networkreaction_post_id", "networkreaction", ["post_id"], unique=False)
    op.create_table(
        "polloption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", _string(100), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["networkpost.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_polloption_post_id", "polloption", ["post_id"], unique=False)
    op.create_table(
        "pollvote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["option_id"], ["polloption.id"]),
        sa.ForeignKeyConstraint(["post_id"], ["networkpost.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "user_id"),
    )
    op.create_index("ix_pollvote_post_id", "pollvote", ["post_id"], unique=False)
    op.create_table(
        "directmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("notice", sa.Text(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["recipient_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["sender_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_directmessage_pair_id",
        "directmessage",
        ["sender_id", "recipient_id", "id"],
        unique=False,
    )
    op.create_index(
        "ix_directmessage_recipient_id", "directmessage", ["recipient_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_directmessage_recipient_id", table_name="directmessage")
    op.drop_index("ix_directmessage_pair_id", table_name="directmessage")
    op.drop_table("directmessage")
    op.drop_index("ix_pollvote_post_id", table_name="pollvote")
    op.drop_table("pollvote")
    op.drop_index("ix_polloption_post_id", table_name="polloption")
    op.drop_table("polloption")
    op.drop_index("ix_networkreaction_post_id", table_name="networkreaction")
    op.drop_table("networkreaction")
    op.drop_index("ix_clinicianprofile_specialty", table_name="clinicianprofile")
    op.drop_table("clinicianprofile")
    with op.batch_alter_table("networkpost", schema=None) as batch_op:
        batch_op.drop_column("anonymous")

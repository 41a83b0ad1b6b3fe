"""server-side sessions (hashed ids) replace the per-user session version

Revision ID: 0010_accounts_sessions
Revises: 0009_publishing
Create Date: 2026-11-23 20:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0010_accounts_sessions"
down_revision = "0009_publishing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usersession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("user_agent", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("usersession", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usersession_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_usersession_token_hash"), ["token_hash"], unique=True)
    with op.batch_alter_table("loginattempt", schema=None) as batch_op:
        batch_op.create_index("ix_loginattempt_key_ip_at", ["key", "ip", "at"], unique=False)
    # Sessions signed with a version number are not in the new table: everyone signs in again.
    # ALTER TABLE ... DROP COLUMN in place: rebuilding "user" would break the keys pointing at it.
    with op.batch_alter_table("user", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("session_version")


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("loginattempt", schema=None) as batch_op:
        batch_op.drop_index("ix_loginattempt_key_ip_at")
    with op.batch_alter_table("usersession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usersession_token_hash"))
        batch_op.drop_index(batch_op.f("ix_usersession_user_id"))
    op.drop_table("usersession")

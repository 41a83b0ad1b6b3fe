"""two-factor sign-in (sealed TOTP secrets, hashed recovery codes, sessions that showed a second
factor); review items that a reviewer claims and emergencies that passed their target time

Revision ID: 0013_two_factor_and_review_desk
Revises: 0013_email_newsletters
Create Date: 2026-11-23 23:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0013_two_factor_and_review_desk"
down_revision = "0013_email_newsletters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "twofactor",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_sealed", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "recoverycode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("used_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("recoverycode", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recoverycode_user_id"), ["user_id"], unique=False)
    # Sessions that exist already showed no second factor: roles that need one enrol at once.
    with op.batch_alter_table("usersession", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("second_factor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("reviewable", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_at", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("overdue_at", app.clock.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key("fk_reviewable_claimed_by_user", "user", ["claimed_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("reviewable", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reviewable_claimed_by_user", type_="foreignkey")
        for name in ("overdue_at", "claimed_at", "claimed_by"):
            batch_op.drop_column(name)
    with op.batch_alter_table("usersession", schema=None) as batch_op:
        batch_op.drop_column("second_factor")
    with op.batch_alter_table("recoverycode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recoverycode_user_id"))
    op.drop_table("recoverycode")
    op.drop_table("twofactor")

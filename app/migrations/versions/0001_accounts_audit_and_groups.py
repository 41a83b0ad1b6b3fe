"""accounts, audit and groups

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY_SQLITE = """
CREATE TRIGGER auditevent_no_{op} BEFORE {OP} ON auditevent
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
"""
APPEND_ONLY_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION auditevent_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql
"""


def _make_audit_append_only() -> None:
    """Refuse UPDATE and DELETE on the audit table in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent "
            "FOR EACH ROW EXECUTE FUNCTION auditevent_append_only()"
        )
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))


def upgrade() -> None:
    op.create_table(
        "loginattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loginattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loginattempt_ip"), ["ip"], unique=False)
        batch_op.create_index("ix_loginattempt_key_at", ["key", "at"], unique=False)

    op.create_table(
        "user",
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("real_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("clinician_verified", sa.Boolean(), nullable=False),
        sa.Column("licence_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("specialty", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_username"), ["username"], unique=True)

    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apitoken_token_hash"), ["token_hash"], unique=True)
        batch_op.create_index(batch_op.f("ix_apitoken_user_id"), ["user_id"], unique=False)

    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("object_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditevent_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditevent_at"), ["at"], unique=False)
    _make_audit_append_only()

    op.create_table(
        "supportgroup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("rules", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "groupmembership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rules_accepted_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("muted_until", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ban_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("banned_until", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("joined_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["supportgroup.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "user_id"),
    )
    with op.batch_alter_table("groupmembership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_groupmembership_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_groupmembership_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("groupmembership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groupmembership_user_id"))
        batch_op.drop_index(batch_op.f("ix_groupmembership_group_id"))

    op.drop_table("groupmembership")
    op.drop_table("supportgroup")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_at"))
        batch_op.drop_index(batch_op.f("ix_auditevent_actor_id"))
        batch_op.drop_index(batch_op.f("ix_auditevent_action"))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER auditevent_append_only ON auditevent")
        op.execute("DROP FUNCTION auditevent_append_only()")
    op.drop_table("auditevent")
    with op.batch_alter_table("apitoken", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apitoken_user_id"))
        batch_op.drop_index(batch_op.f("ix_apitoken_token_hash"))

    op.drop_table("apitoken")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_username"))

    op.drop_table("user")
    with op.batch_alter_table("loginattempt", schema=None) as batch_op:
        batch_op.drop_index("ix_loginattempt_key_at")
        batch_op.drop_index(batch_op.f("ix_loginattempt_ip"))

    op.drop_table("loginattempt")

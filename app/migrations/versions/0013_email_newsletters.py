"""e-mail newsletters: settings, newsletters, one outbound e-mail per recipient, sign-ups, events, the
local mailbox; suppression by address per channel; contacts reachable by e-mail only

Revision ID: 0013_email_newsletters
Revises: 0013_calls
Create Date: 2026-11-23 23:07:35
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0013_email_newsletters"
down_revision = "0013_calls"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emailsettings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column(
            "security",
            sa.Enum("starttls", "tls", "none", name="smtpsecurity", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("password_encrypted", sa.Text(), nullable=True),
        sa.Column("from_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("from_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("reply_to", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("bounce_domain", sqlmodel.sql.sqltypes.AutoString(length=253), nullable=False),
        sa.Column(
            "practice_identity", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False
        ),
        sa.Column("dkim_selector", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=True),
        sa.Column("dkim_key_encrypted", sa.Text(), nullable=True),
        sa.Column("rate_per_second", sa.Float(), nullable=False),
        sa.Column("rate_per_hour", sa.Integer(), nullable=False),
        sa.Column("soft_bounce_limit", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "mailboxmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("envelope_from", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mailboxmessage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mailboxmessage_address"), ["address"], unique=False)

    op.create_table(
        "newsletter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("preheader", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=False,
        ),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("health_claim", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "awaiting_approval",
                "approved",
                "sending",
                "sent",
                name="newsletterstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "newslettersignup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=False,
        ),
        sa.Column("text_shown", sa.Text(), nullable=False),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("newslettersignup", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_newslettersignup_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "outboundemail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "newsletter", "confirmation", "test", name="emailkind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("newsletter_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("signup_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=False,
        ),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                "uncertain",
                "skipped",
                name="emailstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("remote_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("claimed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("handed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("needs_reconcile", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["newsletter_id"],
            ["newsletter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["signup_id"],
            ["newslettersignup.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("newsletter_id", "contact_id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("outboundemail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outboundemail_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_outboundemail_due", ["status", "due_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outboundemail_newsletter_id"), ["newsletter_id"], unique=False
        )

    op.create_table(
        "emailevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbound_id", sa.Integer(), nullable=False),
        sa.Column("newsletter_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "hard_bounce",
                "soft_bounce",
                "complaint",
                "unsubscribe",
                "click",
                name="emaileventkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["newsletter_id"],
            ["newsletter.id"],
        ),
        sa.ForeignKeyConstraint(
            ["outbound_id"],
            ["outboundemail.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("emailevent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_emailevent_newsletter", ["newsletter_id", "kind", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_emailevent_outbound_id"), ["outbound_id"], unique=False
        )

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.VARCHAR(length=20), nullable=True)

    with op.batch_alter_table("suppression", schema=None) as batch_op:
        # SMS suppressions keep their numbers: the column becomes an address per channel.
        batch_op.drop_index(batch_op.f("ix_suppression_phone"))
        batch_op.alter_column(
            "phone",
            new_column_name="address",
            existing_type=sa.VARCHAR(length=20),
            type_=sqlmodel.sql.sqltypes.AutoString(length=254),
            existing_nullable=False,
        )
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppression_address"), ["address"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppression_address"))
        batch_op.alter_column(
            "address",
            new_column_name="phone",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=254),
            type_=sa.VARCHAR(length=20),
            existing_nullable=False,
        )
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppression_phone"), ["phone"], unique=False)

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.VARCHAR(length=20), nullable=False)

    with op.batch_alter_table("emailevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emailevent_outbound_id"))
        batch_op.drop_index("ix_emailevent_newsletter")

    op.drop_table("emailevent")
    with op.batch_alter_table("outboundemail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboundemail_newsletter_id"))
        batch_op.drop_index("ix_outboundemail_due")
        batch_op.drop_index(batch_op.f("ix_outboundemail_contact_id"))

    op.drop_table("outboundemail")
    with op.batch_alter_table("newslettersignup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_newslettersignup_contact_id"))

    op.drop_table("newslettersignup")
    op.drop_table("newsletter")
    with op.batch_alter_table("mailboxmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailboxmessage_address"))

    op.drop_table("mailboxmessage")
    op.drop_table("emailsettings")

"""contacts, consent, suppression, appointments, reminder plans and SMS in and out

Revision ID: 0008_sms
Revises: 0007_delivery_engine
Create Date: 2026-11-23 20:20:06.883145
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0008_sms"
down_revision = "0007_delivery_engine"
branch_labels = None
depends_on = None

APPEND_ONLY_SQLITE = """
CREATE TRIGGER consentrecord_no_{op} BEFORE {OP} ON consentrecord
BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END
"""
APPEND_ONLY_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION consentrecord_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'consent records are append-only'; END $$ LANGUAGE plpgsql
"""


def _make_consent_append_only() -> None:
    """Consent records are evidence: the database refuses UPDATE and DELETE on them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER consentrecord_append_only BEFORE UPDATE OR DELETE ON consentrecord "
            "FOR EACH ROW EXECUTE FUNCTION consentrecord_append_only()"
        )
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))


def upgrade() -> None:
    op.create_table(
        "phonemessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("inbound", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phonemessage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phonemessage_number"), ["number"], unique=False)

    op.create_table(
        "reminderplan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("offsets_hours", sa.JSON(), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("sms", name="messagechannel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "reason",
            sa.Enum(
                "reply_stop",
                "provider_opt_out",
                "undeliverable",
                name="suppressionreason",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppression_phone"), ["phone"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=False,
        ),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_phone"), ["phone"], unique=False)

    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("clinician", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "confirmed",
                "cancelled",
                "reschedule_requested",
                "attended",
                "no_show",
                name="appointmentstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id"),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appointment_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "consentrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "reminders",
                "results",
                "campaigns",
                "newsletters",
                "invitations",
                "service",
                name="purpose",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum("sms", name="messagechannel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "action",
            sa.Enum("granted", "withdrawn", name="consentaction", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("form", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("form_version", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("text_shown", sa.Text(), nullable=True),
        sa.Column("text_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
        sa.Column("keyword", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("confirmed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consentrecord", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_contact_purpose", ["contact_id", "purpose", "channel", "id"], unique=False
        )

    _make_consent_append_only()

    op.create_table(
        "inboundsms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("provider_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("from_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "intent",
            sa.Enum(
                "confirm",
                "change",
                "stop",
                "start",
                "help",
                "other",
                name="intent",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "visible",
                "hidden",
                "held",
                "removed",
                name="contentstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("needs_staff", sa.Boolean(), nullable=False),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.Column("handled_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "provider_sid"),
    )
    with op.batch_alter_table("inboundsms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inboundsms_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inboundsms_from_phone"), ["from_phone"], unique=False)

    op.create_table(
        "outboundsms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("to_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("offset_hours", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "reminder",
                "confirmation",
                "opt_out",
                "opt_in",
                "help",
                "emergency",
                "test",
                name="smskind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "purpose",
            sa.Enum(
                "reminders",
                "results",
                "campaigns",
                "newsletters",
                "invitations",
                "service",
                name="purpose",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("due_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "delivered",
                "undelivered",
                "failed",
                "uncertain",
                "withdrawn",
                "skipped",
                name="smsstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("provider_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("provider_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["reminderplan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id", "plan_id", "offset_hours"),
    )
    with op.batch_alter_table("outboundsms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outboundsms_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outboundsms_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_outboundsms_due", ["status", "due_at", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outboundsms_provider_sid"), ["provider_sid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outboundsms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboundsms_provider_sid"))
        batch_op.drop_index("ix_outboundsms_due")
        batch_op.drop_index(batch_op.f("ix_outboundsms_contact_id"))
        batch_op.drop_index(batch_op.f("ix_outboundsms_appointment_id"))

    op.drop_table("outboundsms")
    with op.batch_alter_table("inboundsms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboundsms_from_phone"))
        batch_op.drop_index(batch_op.f("ix_inboundsms_contact_id"))

    op.drop_table("inboundsms")
    with op.batch_alter_table("consentrecord", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_contact_purpose")

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER consentrecord_append_only ON consentrecord")
        op.execute("DROP FUNCTION consentrecord_append_only()")
    op.drop_table("consentrecord")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_starts_at"))
        batch_op.drop_index(batch_op.f("ix_appointment_contact_id"))

    op.drop_table("appointment")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_phone"))

    op.drop_table("contact")
    with op.batch_alter_table("suppression", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppression_phone"))

    op.drop_table("suppression")
    op.drop_table("reminderplan")
    with op.batch_alter_table("phonemessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phonemessage_number"))

    op.drop_table("phonemessage")

"""follow-up sequences, their enrolments and the SMS each step became

Revision ID: 0013_followups
Revises: 0013_outreach
Create Date: 2026-11-23 23:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0013_followups"
down_revision = "0013_outreach"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followupsequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("send_hour", sa.Integer(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "approved",
                name="sequencestatus",
                native_enum=False,
                create_constraint=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "followupenrolment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("event_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "ended",
                name="enrolmentstatus",
                native_enum=False,
                create_constraint=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("enrolled_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.Integer(), nullable=True),
        sa.Column("ended_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["ended_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["enrolled_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["sequence_id"], ["followupsequence.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_followupenrolment_contact_id"), "followupenrolment", ["contact_id"], unique=False
    )
    op.create_index(
        op.f("ix_followupenrolment_sequence_id"), "followupenrolment", ["sequence_id"], unique=False
    )
    op.create_table(
        "followupmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("sms_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["followupenrolment.id"]),
        sa.ForeignKeyConstraint(["sms_id"], ["outboundsms.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrolment_id", "step"),
        sa.UniqueConstraint("sms_id"),
    )
    op.create_index(
        op.f("ix_followupmessage_enrolment_id"), "followupmessage", ["enrolment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_followupmessage_enrolment_id"), table_name="followupmessage")
    op.drop_table("followupmessage")
    op.drop_index(op.f("ix_followupenrolment_sequence_id"), table_name="followupenrolment")
    op.drop_index(op.f("ix_followupenrolment_contact_id"), table_name="followupenrolment")
    op.drop_table("followupenrolment")
    op.drop_table("followupsequence")

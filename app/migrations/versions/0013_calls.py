"""calls: surveys, call campaigns, calls and answers

Revision ID: 0013_calls
Revises: 0013_followups
Create Date: 2026-11-23 23:09:19.853990
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0013_calls"
down_revision = "0013_followups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "localcall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("status_callback", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("machine_detection", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("twiml", sa.Text(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sid"),
    )
    with op.batch_alter_table("localcall", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_localcall_number"), ["number"], unique=False)

    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("intro_es", sa.Text(), nullable=False),
        sa.Column("intro_en", sa.Text(), nullable=False),
        sa.Column("closing_es", sa.Text(), nullable=False),
        sa.Column("closing_en", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "callcampaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "reminders",
                "results",
                "campaigns",
                "newsletters",
                "invitations",
                "information",
                "surveys",
                "service",
                name="purpose",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("message_es", sa.Text(), nullable=True),
        sa.Column("message_en", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=True,
        ),
        sa.Column("starts_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("scheduled", "cancelled", name="campaignstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "surveyquestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("scale", "yes_no", "choice", name="questionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("text_es", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("options_es", sa.JSON(), nullable=False),
        sa.Column("options_en", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["survey.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("survey_id", "position"),
    )
    with op.batch_alter_table("surveyquestion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_surveyquestion_survey_id"), ["survey_id"], unique=False
        )

    op.create_table(
        "outboundcall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("to_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "reminders",
                "results",
                "campaigns",
                "newsletters",
                "invitations",
                "information",
                "surveys",
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
        sa.Column("due_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "placed",
                "completed",
                "unanswered",
                "failed",
                "uncertain",
                "skipped",
                name="callstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("dials", sa.Integer(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("provider_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("provider_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("claimed_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("needs_reconcile", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["callcampaign.id"],
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "contact_id"),
        sa.UniqueConstraint("provider_sid"),
    )
    with op.batch_alter_table("outboundcall", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outboundcall_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outboundcall_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_outboundcall_due", ["status", "due_at", "id"], unique=False)

    op.create_table(
        "callanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("digit", sa.Integer(), nullable=False),
        sa.Column("answered_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["outboundcall.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["surveyquestion.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "question_id"),
    )
    with op.batch_alter_table("callanswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callanswer_call_id"), ["call_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_callanswer_question_id"), ["question_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("callanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callanswer_question_id"))
        batch_op.drop_index(batch_op.f("ix_callanswer_call_id"))

    op.drop_table("callanswer")
    with op.batch_alter_table("outboundcall", schema=None) as batch_op:
        batch_op.drop_index("ix_outboundcall_due")
        batch_op.drop_index(batch_op.f("ix_outboundcall_contact_id"))
        batch_op.drop_index(batch_op.f("ix_outboundcall_campaign_id"))

    op.drop_table("outboundcall")
    with op.batch_alter_table("surveyquestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveyquestion_survey_id"))

    op.drop_table("surveyquestion")
    op.drop_table("callcampaign")
    op.drop_table("survey")
    with op.batch_alter_table("localcall", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_localcall_number"))

    op.drop_table("localcall")

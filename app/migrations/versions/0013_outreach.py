"""message templates, results-ready notices, events and registrations, campaigns; contacts' birth date

Revision ID: 0013_outreach
Revises: 0013_reply_engine
Create Date: 2026-11-23 23:08:04.218324
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0013_outreach"
down_revision = "0013_reply_engine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("starts_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "messagetemplate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "results_ready",
                "invitation",
                "campaign",
                name="templatekind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("text_es", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "approved", name="templatestatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("moderation_flags", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", app.clock.UTCDateTime(timezone=True), nullable=False),
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
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "results_ready",
                "invitation",
                "campaign",
                name="templatekind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column(
            "language",
            sa.Enum("es", "en", name="language", native_enum=False, length=5),
            nullable=True,
        ),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        sa.Column("scheduled_at", app.clock.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "scheduled",
                "paused",
                "cancelled",
                name="campaignstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("audience", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["messagetemplate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_event_id"), ["event_id"], unique=False)

    op.create_table(
        "eventregistration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("keyword", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("registered_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "contact_id"),
    )
    with op.batch_alter_table("eventregistration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_eventregistration_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "resultsnotice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("sms_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.clock.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["messagetemplate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("resultsnotice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resultsnotice_contact_id"), ["contact_id"], unique=False
        )

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))

    with op.batch_alter_table("outboundsms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outboundsms_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_unique_constraint(
            "uq_outboundsms_campaign_contact", ["campaign_id", "contact_id"]
        )
        batch_op.create_foreign_key("fk_outboundsms_campaign", "campaign", ["campaign_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("outboundsms", schema=None) as batch_op:
        batch_op.drop_constraint("fk_outboundsms_campaign", type_="foreignkey")
        batch_op.drop_constraint("uq_outboundsms_campaign_contact", type_="unique")
        batch_op.drop_index(batch_op.f("ix_outboundsms_campaign_id"))
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("birth_date")

    with op.batch_alter_table("resultsnotice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resultsnotice_contact_id"))

    op.drop_table("resultsnotice")
    with op.batch_alter_table("eventregistration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_eventregistration_event_id"))

    op.drop_table("eventregistration")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_event_id"))

    op.drop_table("campaign")
    op.drop_table("messagetemplate")
    op.drop_table("event")

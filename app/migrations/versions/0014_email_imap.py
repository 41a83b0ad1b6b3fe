"""e-mail: the IMAP bounce mailbox in the settings, and the messages read from it

Revision ID: 0014_email_imap
Revises: 0014_post_threads
Create Date: 2026-11-24 03:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.clock

revision = "0014_email_imap"
down_revision = "0014_post_threads"
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("emailsettings") as table:
        table.add_column(sa.Column("imap_host", AutoString(length=255), nullable=True))
        table.add_column(sa.Column("imap_port", sa.Integer(), nullable=False, server_default="993"))
        table.add_column(sa.Column("imap_username", AutoString(length=255), nullable=True))
        table.add_column(sa.Column("imap_password_encrypted", sa.Text(), nullable=True))
        table.add_column(
            sa.Column("imap_folder", AutoString(length=120), nullable=False, server_default="INBOX")
        )
    op.create_table(
        "returnedmail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", AutoString(length=64), nullable=False),
        sa.Column("outcome", AutoString(length=20), nullable=False),
        sa.Column("at", app.clock.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )


def downgrade() -> None:
    op.drop_table("returnedmail")
    with op.batch_alter_table("emailsettings") as table:
        for name in (
            "imap_folder",
            "imap_password_encrypted",
            "imap_username",
            "imap_port",
            "imap_host",
        ):
            table.drop_column(name)

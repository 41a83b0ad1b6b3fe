"""channels: the account's picture, shown in the compose previews

Revision ID: 0015_channel_picture
Revises: 0015_email_digest
Create Date: 2026-11-24 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_channel_picture"
down_revision = "0015_email_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel") as table:
        table.add_column(sa.Column("picture", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel") as table:
        table.drop_column("picture")

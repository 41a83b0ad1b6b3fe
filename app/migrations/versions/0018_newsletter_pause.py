"""contacts: a newsletter paused from its preference page, until a date

Revision ID: 0018_newsletter_pause
Revises: 0017_email_open_tracking
Create Date: 2026-11-24 15:15:00
"""

import sqlalchemy as sa
from alembic import op

from app.clock import UTCDateTime

revision = "0018_newsletter_pause"
down_revision = "0017_email_open_tracking"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact") as table:
        table.add_column(sa.Column("newsletter_paused_until", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as table:
        table.drop_column("newsletter_paused_until")

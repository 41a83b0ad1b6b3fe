"""e-mail: a practice may count opens with a tracking image (off by default)

Revision ID: 0017_email_open_tracking
Revises: 0016_email_queue_indexes
Create Date: 2026-11-24 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_email_open_tracking"
down_revision = "0016_email_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("emailsettings") as table:
        table.add_column(
            sa.Column("track_opens", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("emailsettings") as table:
        table.drop_column("track_opens")

"""a notification keeps its message id and values, to be read in the reader's language

Revision ID: 0011_notification_text_data
Revises: 0010_accounts_sessions
Create Date: 2026-11-23 20:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_notification_text_data"
down_revision = "0010_accounts_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("text_data")

"""e-mail queue: an index of pending rows only (due_at, id) and one of leases, instead of (status, due_at, id)

Revision ID: 0016_email_queue_indexes
Revises: 0015_channel_picture
Create Date: 2026-11-24 13:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_email_queue_indexes"
down_revision = "0015_channel_picture"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("outboundemail") as table:
        table.drop_index("ix_outboundemail_due")
        table.create_index(
            "ix_outboundemail_pending",
            ["due_at", "id"],
            postgresql_where=PENDING,
            sqlite_where=PENDING,
        )
        table.create_index("ix_outboundemail_lease", ["lease_until"])


def downgrade() -> None:
    with op.batch_alter_table("outboundemail") as table:
        table.drop_index("ix_outboundemail_lease")
        table.drop_index("ix_outboundemail_pending")
        table.create_index("ix_outboundemail_due", ["status", "due_at", "id"], unique=False)

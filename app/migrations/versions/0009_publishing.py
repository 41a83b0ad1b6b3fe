"""posts remember they went to clinicians; stored links that are not http(s) are dropped

Revision ID: 0009_publishing
Revises: 0008_sms
Create Date: 2026-11-23 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_publishing"
down_revision = "0008_sms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_clinician", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # A rejected or flagged post keeps needing a clinician; a link that is not a web address goes.
    op.execute(
        "UPDATE post SET needs_clinician = true "
        "WHERE status IN ('rejected', 'awaiting_approval') OR moderation_flags IS NOT NULL"
    )
    op.execute(
        "UPDATE post SET link = NULL WHERE link IS NOT NULL "
        "AND lower(link) NOT LIKE 'https://%' AND lower(link) NOT LIKE 'http://%'"
    )


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("needs_clinician")

"""e-mail: an account may take the weekly digest of followed threads by e-mail

Revision ID: 0015_email_digest
Revises: 0014_email_imap
Create Date: 2026-11-24 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_email_digest"
down_revision = "0014_email_imap"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user") as table:
        table.add_column(
            sa.Column("digest_email", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outboundemail") as table:
        table.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        table.add_column(sa.Column("replies", sa.Integer(), nullable=True))
        table.create_foreign_key("fk_outboundemail_user_id_user", "user", ["user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("outboundemail") as table:
        table.drop_constraint("fk_outboundemail_user_id_user", type_="foreignkey")
        table.drop_column("replies")
        table.drop_column("user_id")
    with op.batch_alter_table("user") as table:
        table.drop_column("digest_email")

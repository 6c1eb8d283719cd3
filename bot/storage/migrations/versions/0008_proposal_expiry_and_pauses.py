"""proposal expiry, and erasure after deactivation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_expiry_days", sa.Integer(), nullable=False, server_default="5"))

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erase_after", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("erase_after")

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("proposal_expiry_days")

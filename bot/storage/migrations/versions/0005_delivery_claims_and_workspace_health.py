"""delivery claims and workspace health

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("token_error", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("token_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("token_probe_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("token_probe_at")
        batch_op.drop_column("token_failed_at")
        batch_op.drop_column("token_error")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("claim_token")

"""a batch's logged check-in changes never outlive their transaction: no foreign key, and out of the WAL

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("sign", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("pairing_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("usefulness", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    # The table is empty outside a transaction, and migrations run without the triggers that fill it.
    op.drop_table("stats_checkin_changes")
    op.create_table("stats_checkin_changes", *_columns(), sa.PrimaryKeyConstraint("seq"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE stats_checkin_changes SET UNLOGGED")


def downgrade() -> None:
    op.drop_table("stats_checkin_changes")
    op.create_table(
        "stats_checkin_changes",
        *_columns(),
        sa.ForeignKeyConstraint(["team_id"], ["workspaces.team_id"]),
        sa.PrimaryKeyConstraint("seq"),
    )

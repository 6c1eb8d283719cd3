"""stats indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkins_pair_stats",
            ["pairing_id", "period", "answer", "due_at", "confidence", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_checkins_rated",
            ["pairing_id", "answered_by", "usefulness"],
            unique=False,
            sqlite_where=sa.text("usefulness IS NOT NULL"),
            postgresql_where=sa.text("usefulness IS NOT NULL"),
        )
        batch_op.create_index("ix_checkins_due", ["due_at", "answer", "pairing_id"], unique=False)

    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.create_index("ix_pairings_program", ["team_id", "program_id", "status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_index("ix_pairings_program")

    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_due")
        batch_op.drop_index(
            "ix_checkins_rated",
            sqlite_where=sa.text("usefulness IS NOT NULL"),
            postgresql_where=sa.text("usefulness IS NOT NULL"),
        )
        batch_op.drop_index("ix_checkins_pair_stats")

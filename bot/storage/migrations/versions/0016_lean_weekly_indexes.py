"""fewer indexes for the planner to write each week: those another index begins with, and those no query reads

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_DROPPED = [
    ("ix_pairings_team_id", "pairings", ["team_id"]),
    ("ix_pairings_next_checkin_at", "pairings", ["next_checkin_at"]),
    ("ix_pairings_ends_at", "pairings", ["ends_at"]),
    ("ix_prompt_uses_pairing_id", "prompt_uses", ["pairing_id"]),
    ("ix_checkins_due", "check_ins", ["due_at", "answer", "pairing_id"]),
]


def upgrade() -> None:
    for name, table, _ in _DROPPED:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_checkins_reminder", table_name="check_ins")
    # Only an open check-in holds a reminder from now on: those kept by check-ins already superseded
    # or closed would never be sent, and would stay in the new index for good.
    op.execute("UPDATE check_ins SET remind_at = NULL WHERE status <> 'open' AND remind_at IS NOT NULL")
    waiting = sa.text("remind_at IS NOT NULL")
    op.create_index("ix_checkins_reminder", "check_ins", ["remind_at"], sqlite_where=waiting, postgresql_where=waiting)


def downgrade() -> None:
    op.drop_index("ix_checkins_reminder", table_name="check_ins")
    op.create_index("ix_checkins_reminder", "check_ins", ["status", "remind_at"])
    for name, table, columns in _DROPPED:
        op.create_index(name, table, columns)

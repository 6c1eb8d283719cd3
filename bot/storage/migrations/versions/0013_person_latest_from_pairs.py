"""a person's latest check-in is read from their pairs' summaries, no longer kept on their stats row;
a batch's logged check-in changes carry the confidence, which tells those that can change a person's counts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite drops a column in place (3.35 and later), which keeps the table WITHOUT ROWID.
    op.drop_column("stats_people", "last_due")
    op.add_column("stats_checkin_changes", sa.Column("confidence", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("stats_checkin_changes", "confidence")
    op.add_column("stats_people", sa.Column("last_due", sa.DateTime(timezone=True), nullable=True))

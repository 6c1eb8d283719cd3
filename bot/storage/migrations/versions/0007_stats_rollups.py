"""stats rollups

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

The tables /mentor stats adds up. They are filled from every row already there, and the triggers that
keep them up to date with each write are put in place, at the end of the same upgrade, in its one
transaction (bot/storage/migrations/env.py calls `rollups.keep_up_to_date`): the rules are then those of
the code that runs, against the schema at head, and no later migration that copies a table on SQLite
runs while a trigger depends on it.
"""

import sqlalchemy as sa
from alembic import op

from bot.storage import rollups

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in names]


def _keys() -> list[sa.Column]:
    return [
        sa.Column("team_id", sa.String(length=32), sa.ForeignKey("workspaces.team_id"), nullable=False),
        sa.Column("program_id", sa.Integer(), sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "stats_people",
        *_keys(),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        *_counts(
            "requests",
            "open_requests",
            "matched_requests",
            "timed_requests",
            "offers",
            "places",
            "places_taken",
            "active_pairs",
            "met_pairs",
            "pulsed_pairs",
            "first_confidence",
            "latest_confidence",
            "mentored_active",
            "mentored_met",
            "mentored_with_feedback",
            "rated_checkins",
            "feedback_given",
            "surveys",
            "promoters",
            "detractors",
        ),
        sa.Column("last_due", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "program_id", "user_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_pairs",
        sa.Column("pairing_id", sa.Integer(), autoincrement=False, nullable=False),
        *_keys(),
        sa.Column("mentor_user_id", sa.String(length=32), nullable=False),
        sa.Column("mentee_user_id", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("first_confidence", sa.Integer(), nullable=True),
        sa.Column("latest_confidence", sa.Integer(), nullable=True),
        sa.Column("last_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("pairing_id"),
    )
    with op.batch_alter_table("stats_pairs", schema=None) as batch_op:
        batch_op.create_index("ix_stats_pairs_mentor", ["mentor_user_id", "team_id", "program_id"], unique=False)
        batch_op.create_index("ix_stats_pairs_mentee", ["mentee_user_id", "team_id", "program_id"], unique=False)
        batch_op.create_index(
            "ix_stats_pairs_missed",
            ["team_id", "program_id", "missed"],
            unique=False,
            sqlite_where=sa.text("active = 1"),
            postgresql_where=sa.text("active = 1"),
        )
    op.create_table(
        "stats_due_times",
        *_keys(),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        *_counts("sent", "answered", "met", "usefulness", "rated"),
        sa.PrimaryKeyConstraint("team_id", "program_id", "due_at"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "stats_match_waits",
        sa.Column("request_id", sa.Integer(), autoincrement=False, nullable=False),
        *_keys(),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    with op.batch_alter_table("stats_match_waits", schema=None) as batch_op:
        batch_op.create_index("ix_stats_match_waits", ["team_id", "program_id", "hours"], unique=False)


def downgrade() -> None:
    rollups.uninstall(op.get_bind())
    op.drop_table("stats_match_waits")
    op.drop_table("stats_due_times")
    op.drop_table("stats_pairs")
    op.drop_table("stats_people")

"""goals that are revisited, confidence support and relationship checks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _keys() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
    ]


def _references() -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(["pairing_id"], ["pairings.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["workspaces.team_id"]),
        sa.PrimaryKeyConstraint("id"),
    ]


def _indexes(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{table}_pairing_id"), ["pairing_id"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relationship_every_weeks", sa.Integer(), nullable=False, server_default="4"))

    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goals_review_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("goals_asked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("confidence_support", sa.Boolean(), nullable=False, server_default=sa.text("true"))
        )
        batch_op.add_column(sa.Column("cadence_weeks", sa.Integer(), nullable=True))

    op.create_table(
        "goal_reviews",
        *_keys(),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=16), nullable=False),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "choice IN ('keep', 'refine', 'replace', 'reviewed', 'suggested')", name="goal_review_choice"
        ),
        *_references(),
        sa.UniqueConstraint("pairing_id", "user_id"),
    )
    _indexes("goal_reviews")

    op.create_table(
        "progress_notes",
        *_keys(),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_references(),
        sa.UniqueConstraint("source_key"),
    )
    _indexes("progress_notes")

    op.create_table(
        "confidence_nudges",
        *_keys(),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("prompt_key", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["checkin_id"], ["check_ins.id"]),
        *_references(),
        sa.UniqueConstraint("checkin_id"),
    )
    _indexes("confidence_nudges")

    op.create_table(
        "relationship_answers",
        *_keys(),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("answer IN ('good', 'drifting', 'disagree')", name="relationship_answer"),
        *_references(),
        sa.UniqueConstraint("pairing_id", "round", "user_id"),
    )
    _indexes("relationship_answers")

    _midpoints_of_running_pairs()


def _midpoints_of_running_pairs() -> None:
    """Pairs already under way get their mid-point too: half their program's length before their end."""
    conn = op.get_bind()
    pairings = sa.table(
        "pairings",
        sa.column("id", sa.Integer),
        sa.column("program_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("ends_at", sa.DateTime(timezone=True)),
        sa.column("goals_review_at", sa.DateTime(timezone=True)),
    )
    programs = sa.table("programs", sa.column("id", sa.Integer), sa.column("length_weeks", sa.Integer))
    running = conn.execute(
        sa.select(pairings.c.id, pairings.c.ends_at, programs.c.length_weeks)
        .join(programs, programs.c.id == pairings.c.program_id)
        .where(pairings.c.status == "active", pairings.c.ends_at.is_not(None))
    ).all()
    for pairing_id, ends_at, length in running:
        if ends_at.tzinfo is None:  # SQLite keeps UTC without its zone
            ends_at = ends_at.replace(tzinfo=UTC)
        midpoint = ends_at - timedelta(weeks=length) / 2
        if conn.dialect.name == "sqlite":
            midpoint = midpoint.replace(tzinfo=None)
        conn.execute(sa.update(pairings).where(pairings.c.id == pairing_id).values(goals_review_at=midpoint))


def downgrade() -> None:
    for table in ("relationship_answers", "confidence_nudges", "progress_notes", "goal_reviews"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_pairing_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_team_id"))
        op.drop_table(table)

    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_column("cadence_weeks")
        batch_op.drop_column("confidence_support")
        batch_op.drop_column("goals_asked_at")
        batch_op.drop_column("goals_review_at")

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("relationship_every_weeks")

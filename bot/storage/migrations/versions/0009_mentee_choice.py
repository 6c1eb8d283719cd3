"""mentee choice and editable cohort previews

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN_BEFORE = "status IN ('waiting', 'proposed')"
OPEN_AFTER = "status IN ('waiting', 'choosing', 'proposed')"
STATUS_BEFORE = "status IN ('waiting', 'proposed', 'matched', 'withdrawn')"
STATUS_AFTER = "status IN ('waiting', 'choosing', 'proposed', 'matched', 'withdrawn')"


def _request_statuses(check: str, open_where: str) -> None:
    with op.batch_alter_table("mentoring_requests", schema=None) as batch_op:
        batch_op.drop_constraint("request_status", type_="check")
        batch_op.create_check_constraint("request_status", check)
        batch_op.drop_index("uq_open_request_per_mentee")
        batch_op.create_index(
            "uq_open_request_per_mentee",
            ["team_id", "program_id", "mentee_user_id"],
            unique=True,
            sqlite_where=sa.text(open_where),
            postgresql_where=sa.text(open_where),
        )


def upgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("who_chooses", sa.String(length=16), nullable=False, server_default="mentor"))
        batch_op.create_check_constraint("program_who_chooses", "who_chooses IN ('mentor', 'mentee')")

    _request_statuses(STATUS_AFTER, OPEN_AFTER)

    with op.batch_alter_table("cohort_plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unmatched", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("edits", sa.JSON(), nullable=False, server_default="[]"))

    op.create_table(
        "mentor_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("profile_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("picked_profile_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'picked', 'passed', 'replaced')", name="mentor_choice_status"),
        sa.ForeignKeyConstraint(["picked_profile_id"], ["mentor_profiles.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["mentoring_requests.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["workspaces.team_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("mentor_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_choices_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_choices_request_id"), ["request_id"], unique=False)
        batch_op.create_index(
            "uq_open_choice_per_request",
            ["request_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_choices", schema=None) as batch_op:
        batch_op.drop_index("uq_open_choice_per_request")
        batch_op.drop_index(batch_op.f("ix_mentor_choices_request_id"))
        batch_op.drop_index(batch_op.f("ix_mentor_choices_team_id"))
    op.drop_table("mentor_choices")

    with op.batch_alter_table("cohort_plans", schema=None) as batch_op:
        batch_op.drop_column("edits")
        batch_op.drop_column("unmatched")

    # A mentee choosing from a list goes back to waiting: the list is gone, and the next look asks a mentor.
    op.execute(sa.text("UPDATE mentoring_requests SET status = 'waiting' WHERE status = 'choosing'"))
    _request_statuses(STATUS_BEFORE, OPEN_BEFORE)

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_constraint("program_who_chooses", type_="check")
        batch_op.drop_column("who_chooses")

"""pair rhythm: program cadence, check-ins, prompts, feedback, surveys, help reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("usefulness", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("answer IS NULL OR answer IN ('met', 'not_yet', 'need_help')", name="checkin_answer"),
        sa.CheckConstraint("status IN ('open', 'answered', 'superseded', 'closed')", name="checkin_status"),
        sa.CheckConstraint("confidence IS NULL OR confidence BETWEEN 1 AND 5", name="checkin_confidence"),
        sa.CheckConstraint("usefulness IS NULL OR usefulness BETWEEN 1 AND 5", name="checkin_usefulness"),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "period"),
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_ins_team_id"), ["team_id"], unique=False)
        batch_op.create_index("ix_checkins_reminder", ["status", "remind_at"], unique=False)
        batch_op.create_index(
            "uq_open_checkin_per_pairing",
            ["pairing_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("from_user_id", sa.String(length=32), nullable=False),
        sa.Column("to_user_id", sa.String(length=32), nullable=False),
        sa.Column("working", sa.Text(), nullable=False),
        sa.Column("try_differently", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "from_user_id", "round"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_pairing_id"), ["pairing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_team_id"), ["team_id"], unique=False)

    op.create_table(
        "help_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    with op.batch_alter_table("help_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_reports_team_id"), ["team_id"], unique=False)

    op.create_table(
        "prompt_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("prompt_key", sa.String(length=40), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "audience", "period"),
    )
    with op.batch_alter_table("prompt_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompt_uses_pairing_id"), ["pairing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prompt_uses_team_id"), ["team_id"], unique=False)

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("recommend", sa.Integer(), nullable=False),
        sa.Column("goals_reached", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("goals_reached IN ('yes', 'partly', 'no')", name="survey_goals"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="survey_rating"),
        sa.CheckConstraint("recommend BETWEEN 0 AND 10", name="survey_recommend"),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pairing_id", "user_id"),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_weekday", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_checkin_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_period", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("afterwards", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_pairings_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairings_next_checkin_at"), ["next_checkin_at"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cadence_weeks", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("checkin_weekday", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("checkin_hour", sa.Integer(), nullable=False, server_default="10"))
        batch_op.add_column(sa.Column("length_weeks", sa.Integer(), nullable=False, server_default="12"))
        batch_op.add_column(sa.Column("feedback_every_weeks", sa.Integer(), nullable=False, server_default="4"))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default="UTC"))

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_paused_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("send_paused_until")

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("feedback_every_weeks")
        batch_op.drop_column("length_weeks")
        batch_op.drop_column("checkin_hour")
        batch_op.drop_column("checkin_weekday")
        batch_op.drop_column("cadence_weeks")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("paused_until")

    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairings_next_checkin_at"))
        batch_op.drop_index(batch_op.f("ix_pairings_ends_at"))
        batch_op.drop_column("afterwards")
        batch_op.drop_column("ends_at")
        batch_op.drop_column("next_period")
        batch_op.drop_column("next_checkin_at")
        batch_op.drop_column("checkin_weekday")

    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_team_id"))

    op.drop_table("surveys")
    with op.batch_alter_table("prompt_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_uses_team_id"))
        batch_op.drop_index(batch_op.f("ix_prompt_uses_pairing_id"))

    op.drop_table("prompt_uses")
    with op.batch_alter_table("help_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_reports_team_id"))

    op.drop_table("help_reports")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_team_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_pairing_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_open_checkin_per_pairing",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index("ix_checkins_reminder")
        batch_op.drop_index(batch_op.f("ix_check_ins_team_id"))

    op.drop_table("check_ins")

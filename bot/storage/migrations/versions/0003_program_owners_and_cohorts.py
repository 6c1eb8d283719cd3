"""program owners and cohorts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "cohort_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("assignments", sa.JSON(), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'published')", name="cohort_plan_status"),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cohort_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_plans_team_id"), ["team_id"], unique=False)

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("title", sa.String(length=120), nullable=True))

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("owners", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("stats_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("default_capacity", sa.Integer(), nullable=False, server_default="2"))


def downgrade() -> None:

    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("default_capacity")
        batch_op.drop_column("stats_channel")
        batch_op.drop_column("owners")
        batch_op.drop_column("starts_at")

    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("title")
        batch_op.drop_column("email")

    with op.batch_alter_table("cohort_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_plans_team_id"))

    op.drop_table("cohort_plans")

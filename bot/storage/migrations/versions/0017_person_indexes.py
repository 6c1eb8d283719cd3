"""a person's pairs, requests and places by index: `/mentor status` read every row of the workspace

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_CREATED = [
    ("ix_pairings_mentor", "pairings", ["team_id", "mentor_user_id"]),
    ("ix_pairings_mentee", "pairings", ["team_id", "mentee_user_id"]),
    ("ix_requests_mentee", "mentoring_requests", ["team_id", "mentee_user_id"]),
    ("ix_mentor_profiles_person", "mentor_profiles", ["team_id", "user_id"]),
]


def upgrade() -> None:
    for name, table, columns in _CREATED:
        op.create_index(name, table, columns)
    # The new one begins with team_id: it serves every lookup the old one did.
    op.drop_index("ix_mentor_profiles_team_id", table_name="mentor_profiles")


def downgrade() -> None:
    op.create_index("ix_mentor_profiles_team_id", "mentor_profiles", ["team_id"])
    for name, table, _ in reversed(_CREATED):
        op.drop_index(name, table_name=table)

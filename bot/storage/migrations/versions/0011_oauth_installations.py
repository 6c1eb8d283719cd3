"""OAuth installations and state, per-workspace tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28

slack_sdk's installation store and OAuth state store get their tables from the store's own
definitions, so what the store reads and writes is exactly what this migration builds.
"""

import sqlalchemy as sa
from alembic import op
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _store_tables() -> list[sa.Table]:
    metadata = sa.MetaData()
    return [
        SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    ]


def upgrade() -> None:
    # Plain ADD COLUMN, which SQLite does in place: a batch would rebuild the table every other
    # table points at.
    op.add_column("workspaces", sa.Column("enterprise_id", sa.String(length=32), nullable=True))
    op.add_column(
        "workspaces", sa.Column("is_enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("workspaces", sa.Column("uninstalled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("workspaces", sa.Column("erase_after", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    for table in _store_tables():
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_store_tables()):
        table.drop(bind)
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("erase_after")
        batch_op.drop_column("uninstalled_at")
        batch_op.drop_column("is_enterprise_install")
        batch_op.drop_column("enterprise_id")

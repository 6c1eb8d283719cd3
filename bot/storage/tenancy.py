"""Every row belongs to one workspace: the `team_id` column of each table says which.

A workspace that uninstalled the app, and did not come back within its grace period, is deleted
whole: every row of every table that names it, children before parents, then the workspace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import unit_of_work
from bot.storage.models import Base, Workspace

# Tables whose rows belong to no workspace: an OAuth state is a browser's install in progress.
UNOWNED_TABLES = frozenset({"slack_oauth_states"})
# Rollups: counts derived from the other tables, kept up to date by triggers.
DERIVED_PREFIX = "stats_"


def owned_tables() -> list[Table]:
    """The tables holding a workspace's rows, children before parents, the workspaces table last."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in UNOWNED_TABLES]
    return [t for t in tables if t.name != Workspace.__tablename__] + [Workspace.__table__]  # type: ignore[list-item]


def delete_workspace(sessions: sessionmaker[Session], team_id: str) -> int:
    """Deletes every row of the workspace; returns how many rows went.

    Two transactions: first the rows people made, whose deletion the rollups (`stats_*`, kept by
    triggers that may run at commit) follow; then the rollups themselves, the rows they point at
    (programs) and the workspace."""
    tables = owned_tables()
    rollups = [t for t in tables if t.name.startswith(DERIVED_PREFIX)]
    pointed_at = {fk.column.table.name for t in rollups for fk in t.foreign_keys}
    derived = [t for t in tables if t in rollups or t.name in pointed_at]
    deleted = 0
    for step in ([t for t in tables if t not in derived], derived):
        with unit_of_work(sessions) as s:
            for table in step:
                result = s.execute(delete(table).where(table.c.team_id == team_id))
                deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def workspaces_due_for_deletion(s: Session, now: datetime) -> list[str]:
    """Workspaces whose app was uninstalled and whose grace period is over."""
    return list(
        s.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None), Workspace.erase_after <= now))
    )

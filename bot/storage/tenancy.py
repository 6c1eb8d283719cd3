"""Every row belongs to one workspace: the `team_id` column of each table says which.

A workspace that uninstalled the app, and did not come back within its grace period, is deleted
whole: every row of every table that names it, children before parents, then the workspace.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from bot.storage.models import Base, Workspace

# Tables whose rows belong to no workspace: an OAuth state is a browser's install in progress.
UNOWNED_TABLES = frozenset({"slack_oauth_states"})


def owned_tables() -> list[Table]:
    """The tables holding a workspace's rows, children before parents, the workspaces table last."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in UNOWNED_TABLES]
    return [t for t in tables if t.name != Workspace.__tablename__] + [Workspace.__table__]  # type: ignore[list-item]


def delete_workspace(s: Session, team_id: str) -> int:
    """Deletes every row of the workspace; returns how many rows went."""
    deleted = 0
    for table in owned_tables():
        result = s.execute(delete(table).where(table.c.team_id == team_id))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def workspaces_due_for_deletion(s: Session, now: datetime) -> list[str]:
    """Workspaces whose app was uninstalled and whose grace period is over."""
    return list(
        s.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None), Workspace.erase_after <= now))
    )

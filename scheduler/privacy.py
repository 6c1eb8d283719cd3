"""The tick's privacy jobs: erase people deactivated in Slack, and workspaces that uninstalled the app,
once their grace periods are over."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.reporting.privacy import DueReport
from bot.runtime import Runtime
from bot.storage.database import unit_of_work
from bot.storage.tenancy import delete_workspace, workspaces_due_for_deletion

log = logging.getLogger(__name__)


def erase_due(rt: Runtime, now: datetime) -> DueReport:
    report = rt.erasure.due(now)
    if report.erased:
        log.info("erased the data of %s people deactivated in Slack", report.erased)
    return report


def erase_uninstalled(rt: Runtime, now: datetime) -> list[str]:
    """Deletes, whole, each workspace that uninstalled the app and did not install it again in time."""
    with unit_of_work(rt.sessions) as s:
        due = workspaces_due_for_deletion(s, now)
    for team_id in due:
        rows = delete_workspace(rt.sessions, team_id)
        rt.tokens.forget(team_id)
        log.warning("deleted workspace %s, %s rows, after the app was uninstalled there", team_id, rows)
    return due

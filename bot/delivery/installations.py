"""Which bot token speaks for which workspace: one configured token, or each OAuth install's own.

In token mode (SLACK_BOT_TOKEN) the one token serves the one workspace it was issued for; requests
from any other workspace are refused at the door, so no row of another workspace is ever written.

In OAuth mode every workspace (or Enterprise Grid org, installed org-wide) that installs the app gets
its token stored by slack_sdk's SQLAlchemy installation store, on our database. Every Web API call,
from a listener, the outbox or the tick, asks for the token of the workspace it is for. Uninstalling,
or revoking the tokens, deletes the install at once: sends to that workspace stop, and its rows are
deleted WORKSPACE_DATA_KEPT later unless the app is installed again first.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import unit_of_work
from bot.storage.models import Workspace

log = logging.getLogger(__name__)

# How long a workspace's data outlives the app's uninstall: long enough to undo an uninstall made by
# mistake (installing again keeps everything), short enough that nothing lingers.
WORKSPACE_DATA_KEPT = timedelta(days=7)
# A token found is trusted this long before the store is read again; an uninstall forgets it at once.
TOKEN_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Org:
    """Where a workspace's token lives: its own install, or its Enterprise Grid org's org-wide one."""

    enterprise_id: str | None = None
    is_enterprise_install: bool = False


class Installations(SQLAlchemyInstallationStore):
    """slack_sdk's installation store on our database. Saving an install also records its workspace,
    and calls off the deletion of a workspace that uninstalled and came back in time."""

    def __init__(self, client_id: str, engine: Engine, sessions: sessionmaker[Session], clock: Any):
        super().__init__(client_id=client_id, engine=engine, logger=logging.getLogger(__name__))
        self.sessions = sessions
        self.clock = clock

    def save(self, installation: Installation) -> None:
        super().save(installation)
        if installation.team_id:
            org = Org(installation.enterprise_id, bool(installation.is_enterprise_install))
            record_workspace(self.sessions, installation.team_id, org, self.clock())
        elif installation.enterprise_id:
            # An org-wide install names no workspace: each is recorded on its first request.
            reinstalled(self.sessions, installation.enterprise_id, self.clock())
        log.info(
            "installed in %s%s",
            installation.team_id or "an Enterprise Grid org",
            f" (org {installation.enterprise_id})" if installation.enterprise_id else "",
        )


def record_workspace(sessions: sessionmaker[Session], team_id: str, org: Org, now: datetime) -> None:
    """Creates or updates the workspace row with where its token lives, and undoes a pending uninstall."""
    with unit_of_work(sessions) as s:
        _ensure(s, team_id, now)
        s.execute(
            update(Workspace)
            .where(Workspace.team_id == team_id)
            .values(
                enterprise_id=org.enterprise_id,
                is_enterprise_install=org.is_enterprise_install,
                uninstalled_at=None,
                erase_after=None,
                # A new install brings a new token: whatever the old one suffered no longer holds.
                token_error=None,
                token_failed_at=None,
                token_probe_at=None,
            )
        )


def remember_org(sessions: sessionmaker[Session], team_id: str, org: Org, now: datetime) -> None:
    """Notes which Enterprise Grid org a workspace belongs to, and whether the app was installed
    org-wide: what finding its token takes. Nothing else about the workspace changes."""
    with unit_of_work(sessions) as s:
        _ensure(s, team_id, now)
        s.execute(
            update(Workspace)
            .where(
                Workspace.team_id == team_id,
                or_(
                    Workspace.enterprise_id.is_distinct_from(org.enterprise_id),
                    Workspace.is_enterprise_install.is_distinct_from(org.is_enterprise_install),
                ),
            )
            .values(enterprise_id=org.enterprise_id, is_enterprise_install=org.is_enterprise_install)
        )


def _ensure(s: Session, team_id: str, now: datetime) -> None:
    """The workspace's row, created if missing; two requests racing to create it both succeed."""
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    s.execute(
        insert(Workspace).values(team_id=team_id, created_at=now).on_conflict_do_nothing(index_elements=["team_id"])
    )


def reinstalled(sessions: sessionmaker[Session], enterprise_id: str, now: datetime) -> None:
    """An org-wide install came back: every workspace of the org that was waiting for deletion stays."""
    with unit_of_work(sessions) as s:
        s.execute(
            update(Workspace)
            .where(Workspace.enterprise_id == enterprise_id, Workspace.uninstalled_at.is_not(None))
            .values(uninstalled_at=None, erase_after=None, token_error=None, token_failed_at=None, token_probe_at=None)
        )


class Tokens:
    """The bot token for a workspace, or None when the app has no install there."""

    def __init__(self, sessions: sessionmaker[Session], single: str = "", store: Installations | None = None):
        self.sessions = sessions
        self.single = single
        self.store = store
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str | None, float]] = {}

    @property
    def oauth(self) -> bool:
        return self.store is not None

    def bot_token(self, team_id: str) -> str | None:
        if self.store is None:
            return self.single or None
        with self._lock:
            known = self._known.get(team_id)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        token = self._look_up(team_id)
        with self._lock:
            self._known[team_id] = (token, time.monotonic() + TOKEN_CACHE_SECONDS)
        return token

    def _look_up(self, team_id: str) -> str | None:
        assert self.store is not None
        with unit_of_work(self.sessions) as s:
            row = s.execute(
                select(Workspace.enterprise_id, Workspace.is_enterprise_install, Workspace.uninstalled_at).where(
                    Workspace.team_id == team_id
                )
            ).first()
        if row is not None and row.uninstalled_at is not None:
            return None
        org = Org(row.enterprise_id, bool(row.is_enterprise_install)) if row is not None else Org()
        bot = self.store.find_bot(
            enterprise_id=org.enterprise_id, team_id=team_id, is_enterprise_install=org.is_enterprise_install
        )
        return bot.bot_token if bot is not None else None

    def forget(self, team_id: str | None = None) -> None:
        """Drops what was cached, for one workspace or all: the next call reads the store again."""
        with self._lock:
            if team_id is None:
                self._known.clear()
            else:
                self._known.pop(team_id, None)


def uninstalled(
    sessions: sessionmaker[Session], tokens: Tokens, team_id: str | None, enterprise_id: str | None, now: datetime
) -> int:
    """The app left a workspace (or an org): its installs go now, its rows WORKSPACE_DATA_KEPT later.
    Returns how many workspaces are now waiting for deletion."""
    if tokens.store is not None:
        tokens.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    with unit_of_work(sessions) as s:
        which = Workspace.team_id == team_id if team_id else Workspace.enterprise_id == enterprise_id
        done = s.execute(
            update(Workspace)
            .where(which, Workspace.uninstalled_at.is_(None))
            .values(uninstalled_at=now, erase_after=now + WORKSPACE_DATA_KEPT)
        )
        count = int(getattr(done, "rowcount", 0) or 0)
    tokens.forget()
    log.warning(
        "the app was uninstalled from %s: nothing more is sent there, and its data is deleted after %s "
        "unless it is installed again",
        team_id or f"org {enterprise_id}",
        WORKSPACE_DATA_KEPT,
    )
    return count

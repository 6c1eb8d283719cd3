"""Workspaces and their people: created on first use, people cached from users.info.

A request never waits on Slack for someone already known: their row answers at once and, when it is
older than asked, is re-read from users.info after the answer. Only a person never seen before is
looked up while the request waits, with the short trigger timeout and no retry. `user_change` events
keep rows fresh in between.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.slack_gateway import Gateways, SlackFailure
from bot.storage.database import reading, unit_of_work
from bot.storage.models import Person, Workspace

log = logging.getLogger(__name__)

PERSON_TTL = timedelta(hours=24)


def insert_ignore(session: Session, model: type, conflict: list[str], **values: object) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict))


def ensure_workspace(session: Session, team_id: str, now: datetime) -> None:
    insert_ignore(session, Workspace, ["team_id"], team_id=team_id, created_at=now)


def find_person(session: Session, team_id: str, user_id: str) -> Person | None:
    return session.scalar(select(Person).where(Person.team_id == team_id, Person.user_id == user_id))


def ensure_person(session: Session, team_id: str, user_id: str) -> Person:
    """The person's row, made first if they are new: most are known, and are only read."""
    person = find_person(session, team_id, user_id)
    if person is not None:
        return person
    insert_ignore(
        session, Person, ["team_id", "user_id"], team_id=team_id, user_id=user_id, display_name="", is_admin=False
    )
    person = find_person(session, team_id, user_id)
    assert person is not None
    return person


def remember_person(s: Session, team_id: str, user_id: str, level: int | None, department: str | None) -> None:
    """Keeps what a person told us in a form (level, department) for their next form and for matching."""
    person = ensure_person(s, team_id, user_id)
    if level is not None:
        person.level = level
    if department:
        person.department = department


# Runs work after the answer (BackgroundSender.later); None runs it at once.
Later = Callable[..., None]


class People:
    """Keeps Person rows fresh from users.info, at most once per PERSON_TTL per person."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        gateway: Gateways,
        *,
        first_lookup: Gateways | None = None,
        later: Later | None = None,
    ):
        self.sessions = sessions
        self.gateway = gateway
        # For someone never seen: a quick call, since the request is waiting on it.
        self.first_lookup = first_lookup or gateway
        self.later = later

    def known(self, team_id: str, user_id: str) -> Person | None:
        """The person as we know them now, without asking Slack."""
        with reading(self.sessions) as s:
            return find_person(s, team_id, user_id)

    def refresh(
        self, team_id: str, user_id: str, now: datetime, max_age: timedelta = PERSON_TTL, wait: bool = True
    ) -> Person | None:
        """The person as we know them. A row older than `max_age` is re-read after the answer. Someone
        never looked up is looked up now, unless `wait` is False: then after the answer too, and this
        returns what we have (maybe None). The cached row (or None) if Slack fails."""
        person = self.known(team_id, user_id)
        if (person and person.refreshed_at) or not wait:
            if person is None or person.refreshed_at is None or now - person.refreshed_at >= max_age:
                self._reread_later(team_id, user_id, now)
            return person
        try:
            return self._reread(team_id, user_id, now, self.first_lookup)
        except SlackFailure as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.error)
            self._reread_later(team_id, user_id, now)
            return person

    def _reread_later(self, team_id: str, user_id: str, now: datetime) -> None:
        def reread() -> None:
            try:
                self.reread(team_id, user_id, now)
            except SlackFailure as exc:
                log.warning("users.info failed for %s: %s", user_id, exc.error)

        if self.later is None:
            reread()
        else:
            self.later(reread, what="a directory refresh")

    def reread(self, team_id: str, user_id: str, now: datetime) -> Person | None:
        """The person as Slack has them right now. Raises SlackFailure when Slack can't say."""
        return self._reread(team_id, user_id, now, self.gateway)

    def learn(self, team_id: str, info: dict[str, Any], now: datetime) -> None:
        """Takes a user object Slack sent us (a `user_change` event) as a fresh users.info answer,
        for people we already know; strangers are looked up when they first use the bot."""
        user_id = str(info.get("id") or "")
        if not user_id:
            return
        with unit_of_work(self.sessions) as s:
            if find_person(s, team_id, user_id) is None:
                return
        self._store(team_id, user_id, info, now)

    def _reread(self, team_id: str, user_id: str, now: datetime, gateway: Gateways) -> Person | None:
        return self._store(team_id, user_id, gateway.to(team_id).user_info(user_id), now)

    def _store(self, team_id: str, user_id: str, info: dict[str, Any], now: datetime) -> Person | None:
        try:
            with unit_of_work(self.sessions) as s:
                ensure_workspace(s, team_id, now)
                person = find_person(s, team_id, user_id) or Person(team_id=team_id, user_id=user_id)
                profile = info.get("profile") or {}
                person.display_name = str(
                    profile.get("display_name") or profile.get("real_name") or info.get("real_name") or ""
                )[:200]
                person.tz = info.get("tz") or person.tz
                offset = info.get("tz_offset")
                person.tz_offset = int(offset) if isinstance(offset, int | float) else person.tz_offset
                person.is_admin = not info.get("deleted") and bool(
                    info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")
                )
                person.refreshed_at = now
                s.add(person)
                return person
        except IntegrityError:
            # Another request created this person at the same moment; theirs is just as fresh.
            with unit_of_work(self.sessions) as s:
                return find_person(s, team_id, user_id)

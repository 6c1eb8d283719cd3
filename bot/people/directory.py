"""Workspaces and their people: created on first use, people cached from users.info."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.slack_gateway import SlackFailure, SlackGateway
from bot.storage.database import unit_of_work
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


class People:
    """Keeps Person rows fresh from users.info, at most once per PERSON_TTL per person."""

    def __init__(self, sessions: sessionmaker[Session], gateway: SlackGateway):
        self.sessions = sessions
        self.gateway = gateway

    def refresh(self, team_id: str, user_id: str, now: datetime, max_age: timedelta = PERSON_TTL) -> Person | None:
        """The person, re-read from users.info when older than `max_age`; the cached row if Slack fails."""
        with unit_of_work(self.sessions) as s:
            person = find_person(s, team_id, user_id)
            if person and person.refreshed_at and now - person.refreshed_at < max_age:
                return person
        try:
            return self.reread(team_id, user_id, now)
        except SlackFailure as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.error)
            return person

    def reread(self, team_id: str, user_id: str, now: datetime) -> Person | None:
        """The person as Slack has them right now. Raises SlackFailure when Slack can't say."""
        info = self.gateway.user_info(user_id)
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

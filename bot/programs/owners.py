"""The owner rule, for every door: who may run a program, and who receives its private notes.

A program's owners are the users in MENTOR_PROGRAM_OWNERS, the owners named on the program, and the
workspace's admins and owners. Admin status comes from Slack: a command re-reads it when the cached
flag is older than OWNER_CHECK_AGE, and private text addressed by it is re-checked with Slack right
before it is sent (`still_receives`), so a demoted admin stops receiving notes at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.people.directory import People
from bot.storage.database import unit_of_work
from bot.storage.models import Person, Program

OWNER_CHECK_AGE = timedelta(minutes=10)


def _named(configured: frozenset[str], program: Program | None, user_id: str) -> bool:
    return user_id in configured or (program is not None and user_id in (program.owners or []))


class Owners:
    def __init__(self, sessions: sessionmaker[Session], people: People, configured: frozenset[str]):
        self.sessions = sessions
        self.people = people
        self.configured = configured

    def may_run(self, team_id: str, user_id: str, program: Program | None, now: datetime) -> bool:
        """Whether this person may run `program` (with None: create a new program)."""
        return _named(self.configured, program, user_id) or self._is_admin(team_id, user_id, now)

    def owned(self, team_id: str, user_id: str, programs: Sequence[Program], now: datetime) -> list[Program]:
        """The programs in `programs` this person may run. Slack is asked at most once, and only if needed."""
        named = [p for p in programs if _named(self.configured, p, user_id)]
        if len(named) == len(programs):
            return named
        return list(programs) if self._is_admin(team_id, user_id, now) else named

    def _is_admin(self, team_id: str, user_id: str, now: datetime) -> bool:
        person = self.people.refresh(team_id, user_id, now, max_age=OWNER_CHECK_AGE)
        return person is not None and person.is_admin

    def recipients(self, s: Session, program: Program) -> list[str]:
        """Everyone a private note about `program` is addressed to, by what we know now.

        Each admin among them is re-checked with Slack by `still_receives` just before sending.
        """
        admins = s.scalars(select(Person.user_id).where(Person.team_id == program.team_id, Person.is_admin.is_(True)))
        return sorted(set(self.configured) | set(program.owners or []) | set(admins))

    def still_receives(self, team_id: str, user_id: str, program_id: int | None, now: datetime) -> bool:
        """Whether a private note about the program may go to this person right now.

        Raises SlackFailure when Slack can't say, so the note waits rather than going to the wrong person.
        """
        with unit_of_work(self.sessions) as s:
            program = s.scalar(select(Program).where(Program.id == program_id, Program.team_id == team_id))
            if _named(self.configured, program, user_id):
                return True
        person = self.people.reread(team_id, user_id, now)
        return person is not None and person.is_admin

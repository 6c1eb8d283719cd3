"""Programs and who owns them: create, edit and look up, with the owner check every owner command uses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import unit_of_work
from bot.blockkit.forms import ProgramForm
from bot.storage.models import Person, Program
from bot.people.directory import ensure_workspace, open_programs


def is_owner(configured: frozenset[str], person: Person | None, user_id: str,
             programs: Sequence[Program] = ()) -> bool:
    """MENTOR_PROGRAM_OWNERS, workspace admins and owners, and the named owners of these programs."""
    if user_id in configured or (person is not None and person.is_admin):
        return True
    return any(user_id in (p.owners or []) for p in programs)


def find_program(programs: Sequence[Program], name: str | None) -> Program | None:
    """By name, case-insensitively; with no name, the only open program, else None."""
    if not name:
        return programs[0] if len(programs) == 1 else None
    wanted = " ".join(name.split()).casefold()
    return next((p for p in programs if p.name.casefold() == wanted), None)


class Programs:
    def __init__(self, sessions: sessionmaker[Session], configured_owners: frozenset[str]):
        self.sessions = sessions
        self.configured_owners = configured_owners

    def all_open(self, team_id: str, now: datetime) -> list[Program]:
        with unit_of_work(self.sessions) as s:
            return open_programs(s, team_id, now)

    def save(self, team_id: str, program_id: int | None, form: ProgramForm, now: datetime) -> dict[str, str]:
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            clash = s.scalar(select(Program.id).where(
                Program.team_id == team_id, func.lower(Program.name) == form.name.lower(),
                Program.id != (program_id or -1)))
            if clash is not None:
                return {"name": "Another program already has that name."}
            program = (s.scalar(select(Program).where(Program.id == program_id, Program.team_id == team_id))
                       if program_id else None)
            if program_id and program is None:
                return {"name": "That program no longer exists."}
            if program is None:
                program = Program(team_id=team_id, status="open", created_at=now)
                s.add(program)
            program.name, program.kind, program.topics = form.name, form.kind, form.topics
            program.cadence_weeks, program.length_weeks = form.cadence_weeks, form.length_weeks
            program.checkin_weekday, program.checkin_hour = form.checkin_weekday, form.checkin_hour
            program.default_capacity, program.feedback_every_weeks = form.default_capacity, form.feedback_every_weeks
            program.timezone, program.owners, program.stats_channel = form.timezone, form.owners, form.stats_channel
            program.starts_at = (
                datetime.combine(datetime.fromisoformat(form.starts_on).date(), time(0), ZoneInfo(form.timezone))
                if form.starts_on else None
            )
            return {}

    def get(self, team_id: str, program_id: int) -> Program | None:
        with unit_of_work(self.sessions) as s:
            return s.scalar(select(Program).where(Program.id == program_id, Program.team_id == team_id))

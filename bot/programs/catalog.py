"""Programs: the default one every workspace gets, creating and editing others, and finding one by name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.people.directory import ensure_workspace, insert_ignore
from bot.programs.owners import Owners
from bot.programs.program_modal import ProgramForm
from bot.storage.database import reading, unit_of_work
from bot.storage.models import Program
from bot.storage.statuses import ProgramKind, ProgramStatus

DEFAULT_PROGRAM_NAME = "Mentoring"
DEFAULT_TOPICS = [
    "Career growth",
    "Leadership",
    "People management",
    "Communication",
    "Giving and receiving feedback",
    "Navigating the organisation",
    "Public speaking",
    "Product thinking",
    "Software engineering",
    "System design",
    "Data and analytics",
    "Design and UX",
    "Sales and customers",
    "Work-life balance",
    "New tools and AI",
]


def cohort_end(program: Program) -> datetime | None:
    """When a cohort's pairs all graduate: the cohort start plus the program's length. None for a rolling
    program (no start date), where each pair's length counts from its own introduction."""
    if program.starts_at is None:
        return None
    return program.starts_at + timedelta(weeks=program.length_weeks)


class ProgramProblem(StrEnum):
    NOT_OWNER = "not_owner"
    NAME_TAKEN = "name_taken"
    GONE = "gone"


def _open(session: Session, team_id: str) -> list[Program]:
    query = select(Program).where(Program.team_id == team_id, Program.status == ProgramStatus.OPEN)
    return list(session.scalars(query.order_by(Program.id)))


def open_programs(session: Session, team_id: str, now: datetime) -> list[Program]:
    """The workspace's open programs, oldest first. A workspace gets a default program on first use."""
    ensure_workspace(session, team_id, now)
    programs = _open(session, team_id)
    if programs:
        return programs
    insert_ignore(
        session,
        Program,
        ["team_id", "name"],
        team_id=team_id,
        name=DEFAULT_PROGRAM_NAME,
        kind=ProgramKind.CLASSIC,
        status=ProgramStatus.OPEN,
        topics=DEFAULT_TOPICS,
        created_at=now,
    )
    return _open(session, team_id)


def open_programs_read(sessions: sessionmaker[Session], team_id: str, now: datetime) -> list[Program]:
    """`open_programs` for a listener about to answer: a read that takes no write lock, unless the
    workspace has no open program yet and gets its default one."""
    with reading(sessions) as s:
        programs = _open(s, team_id)
    if programs:
        return programs
    with unit_of_work(sessions) as s:
        return open_programs(s, team_id, now)


def find_program(programs: Sequence[Program], name: str | None) -> Program | None:
    """By name, case-insensitively; with no name, the only open program, else None."""
    if not name:
        return programs[0] if len(programs) == 1 else None
    wanted = " ".join(name.split()).casefold()
    return next((p for p in programs if p.name.casefold() == wanted), None)


class Programs:
    """Reading programs, and saving them for their owners."""

    def __init__(self, sessions: sessionmaker[Session], owners: Owners):
        self.sessions = sessions
        self.owners = owners

    def all_open(self, team_id: str, now: datetime) -> list[Program]:
        return open_programs_read(self.sessions, team_id, now)

    def get(self, team_id: str, program_id: int) -> Program | None:
        with unit_of_work(self.sessions) as s:
            return s.scalar(select(Program).where(Program.id == program_id, Program.team_id == team_id))

    def save(
        self, team_id: str, user_id: str, program_id: int | None, form: ProgramForm, now: datetime
    ) -> ProgramProblem | None:
        """Creates (no `program_id`) or updates a program from the form of one of its owners."""
        target = self.get(team_id, program_id) if program_id else None
        if not self.owners.may_run(team_id, user_id, target, now):
            return ProgramProblem.NOT_OWNER
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            clash = s.scalar(
                select(Program.id).where(
                    Program.team_id == team_id,
                    func.lower(Program.name) == form.name.lower(),
                    Program.id != (program_id or -1),
                )
            )
            if clash is not None:
                return ProgramProblem.NAME_TAKEN
            program = (
                s.scalar(select(Program).where(Program.id == program_id, Program.team_id == team_id))
                if program_id
                else None
            )
            if program_id and program is None:
                return ProgramProblem.GONE
            if program is None:
                program = Program(team_id=team_id, status=ProgramStatus.OPEN, created_at=now)
                s.add(program)
            program.name, program.kind, program.topics = form.name, form.kind, form.topics
            program.cadence_weeks, program.length_weeks = form.cadence_weeks, form.length_weeks
            program.checkin_weekday, program.checkin_hour = form.checkin_weekday, form.checkin_hour
            program.default_capacity, program.feedback_every_weeks = form.default_capacity, form.feedback_every_weeks
            program.timezone, program.owners, program.stats_channel = form.timezone, form.owners, form.stats_channel
            program.proposal_expiry_days = form.proposal_expiry_days
            program.relationship_every_weeks = form.relationship_every_weeks
            program.who_chooses = form.who_chooses
            program.starts_at = (
                datetime.combine(datetime.fromisoformat(form.starts_on).date(), time(0), ZoneInfo(form.timezone))
                if form.starts_on
                else None
            )
            return None

"""The offer and request forms, filled in with what we already know of the person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.matching.modals import offer_modal, request_modal
from bot.people.directory import People
from bot.programs.catalog import open_programs
from bot.storage.database import unit_of_work
from bot.storage.models import MentorProfile


class Intake:
    def __init__(self, sessions: sessionmaker[Session], people: People):
        self.sessions = sessions
        self.people = people

    def offer_form(self, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
        """The mentor profile form, holding the person's current profile in the first open program."""
        person = self.people.refresh(team_id, user_id, now)
        with unit_of_work(self.sessions) as s:
            programs = open_programs(s, team_id, now)
            program = programs[0]
            profile = s.scalar(
                select(MentorProfile).where(
                    MentorProfile.team_id == team_id,
                    MentorProfile.program_id == program.id,
                    MentorProfile.user_id == user_id,
                )
            )
        return offer_modal(program, programs, profile, person.department if person else None)

    def request_form(self, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
        person = self.people.refresh(team_id, user_id, now)
        with unit_of_work(self.sessions) as s:
            programs = open_programs(s, team_id, now)
        return request_modal(
            programs[0], programs, person.level if person else None, person.department if person else None
        )

"""The offer and request forms: filled in with what we already know of the person, and read back.

Reading a form first empties any text field that shows nothing (only spaces, zero-width or other
invisible characters), so such a field counts as left blank, and goals must have enough characters a
reader can see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blockkit.state import Errors
from bot.blockkit.text import is_blank, visible_length
from bot.matching import modals
from bot.matching.modals import offer_modal, request_modal
from bot.matching.profiles import ProfileForm
from bot.matching.requests import RequestForm
from bot.people.directory import People
from bot.programs.catalog import open_programs_read
from bot.storage.database import reading
from bot.storage.models import MentorProfile


class Intake:
    """Opening a form never waits on Slack beyond views.open: the form shows what we already know, and
    `opened` has the person looked up (their timezone, for matching) while they fill it in."""

    def __init__(self, sessions: sessionmaker[Session], people: People):
        self.sessions = sessions
        self.people = people

    def opened(self, team_id: str, user_id: str, now: datetime) -> None:
        """Called once the form is open: refreshes the person after the answer if they need it."""
        self.people.refresh(team_id, user_id, now, wait=False)

    def offer_form(self, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
        """The mentor profile form, holding the person's current profile in the first open program."""
        person = self.people.known(team_id, user_id)
        programs = open_programs_read(self.sessions, team_id, now)
        program = programs[0]
        with reading(self.sessions) as s:
            profile = s.scalar(
                select(MentorProfile).where(
                    MentorProfile.team_id == team_id,
                    MentorProfile.program_id == program.id,
                    MentorProfile.user_id == user_id,
                )
            )
        return offer_modal(program, programs, profile, person.department if person else None)

    def request_form(self, team_id: str, user_id: str, now: datetime) -> dict[str, Any]:
        person = self.people.known(team_id, user_id)
        programs = open_programs_read(self.sessions, team_id, now)
        return request_modal(
            programs[0], programs, person.level if person else None, person.department if person else None
        )


def without_blank_text(values: Any) -> Any:
    """`view.state.values` with every typed text that shows nothing replaced by an empty string."""
    if not isinstance(values, dict):
        return values
    cleaned: dict[Any, Any] = {}
    for block_id, block in values.items():
        if isinstance(block, dict):
            block = {
                action_id: (
                    {**element, "value": ""}
                    if isinstance(element, dict)
                    and isinstance(element.get("value"), str)
                    and is_blank(element["value"])
                    else element
                )
                for action_id, element in block.items()
            }
        cleaned[block_id] = block
    return cleaned


def read_request(values: Any) -> tuple[RequestForm | None, Errors]:
    """The request form; goals padded out with invisible characters are as short as what shows."""
    form, errors = modals.read_request(without_blank_text(values))
    if form is not None and visible_length(form.goals) < modals.GOALS_MIN:
        return None, {
            "goals": f"Tell your mentor a little more: at least {modals.GOALS_MIN} characters "
            "about what you'd like to grow in."
        }
    return form, errors


def read_profile(values: Any, default_capacity: int | None = None) -> tuple[ProfileForm | None, Errors]:
    """The mentor profile form, with blank typed topics, department and bio treated as left empty."""
    cleaned = without_blank_text(values)
    if default_capacity is None:
        return modals.read_profile(cleaned)
    return modals.read_profile(cleaned, default_capacity)

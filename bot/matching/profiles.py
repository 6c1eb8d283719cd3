"""Mentors' profiles: offering to mentor, or changing an offer, opens room for waiting requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.dispatcher import Dispatcher
from bot.matching.proposals import open_program, retry_waiting
from bot.people.directory import People, ensure_workspace, remember_person
from bot.storage.database import retry_on_conflict, unit_of_work
from bot.storage.models import MentorProfile


@dataclass(frozen=True)
class ProfileForm:
    topics: list[str]
    capacity: int
    level: int
    department: str | None
    bio: str | None
    open_to_reverse: bool


class ProfileProblem(StrEnum):
    PROGRAM_CLOSED = "program_closed"
    CAPACITY_BELOW_LOAD = "capacity_below_load"  # fewer places than mentees and pending proposals


@dataclass(frozen=True)
class ProfileResult:
    problem: ProfileProblem | None = None
    load: int = 0


class MentorProfiles:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, people: People):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.people = people

    @retry_on_conflict
    def save(self, team_id: str, user_id: str, program_id: int, form: ProfileForm, now: datetime) -> ProfileResult:
        """Creates or updates the profile, then offers waiting requests the mentor's free places.

        Mentors saving at once each claim different waiting requests (see `retry_waiting`), so every
        save succeeds and a request is asked of one mentor at a time.
        """
        # Their timezone, for matching: someone never looked up is looked up after the answer, and
        # matched meanwhile without one (as someone whose timezone Slack doesn't give).
        self.people.refresh(team_id, user_id, now, wait=False)
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            program = open_program(s, team_id, program_id)
            if program is None:
                return ProfileResult(ProfileProblem.PROGRAM_CLOSED)
            profile = s.scalar(
                select(MentorProfile)
                .where(
                    MentorProfile.team_id == team_id,
                    MentorProfile.program_id == program_id,
                    MentorProfile.user_id == user_id,
                )
                .with_for_update(key_share=True)  # a pairing's foreign-key check on the profile need not wait
            )
            if profile is not None and form.capacity < profile.load:
                return ProfileResult(ProfileProblem.CAPACITY_BELOW_LOAD, profile.load)
            if profile is None:
                profile = MentorProfile(team_id=team_id, program_id=program_id, user_id=user_id, load=0, created_at=now)
                s.add(profile)
            profile.topics = form.topics
            profile.capacity = form.capacity
            profile.level = form.level
            profile.department = form.department
            profile.bio = form.bio
            profile.open_to_reverse = form.open_to_reverse
            profile.active = True
            profile.updated_at = now
            remember_person(s, team_id, user_id, form.level, form.department)
            s.flush()
            ids = retry_waiting(s, program, now)
        self.dispatcher.dispatch(ids, now)
        return ProfileResult()

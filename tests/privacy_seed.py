"""A pair with a history to export or erase: answers, pulses, feedback both ways, a help note, surveys,
and another workspace holding rows for the same user id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.storage.database import unit_of_work
from bot.storage.models import (
    CheckIn,
    Feedback,
    HelpReport,
    MentoringRequest,
    Pairing,
    Person,
    Program,
    Survey,
    Workspace,
)
from tests.conftest import START, RunningBot
from tests.flows import MENTEE, MENTOR, pair

OTHER_TEAM = "T0OTHERCO"
OTHER_SECRET = "Other workspace goals that must never leak across"
MENTEE_FEEDBACK = "Mentee wrote: the weekly walks are working well"
MENTOR_FEEDBACK = "Mentor wrote: bring one concrete question each time"
HELP_NOTE = "Mentee's private note: we keep missing each other"


@dataclass(frozen=True)
class Seeded:
    pairing_id: int
    request_id: int
    other_request_id: int


def seed(bot: RunningBot) -> Seeded:
    pairing = pair(bot)
    at = START + timedelta(days=7)
    with unit_of_work(bot.rt.sessions) as s:
        s.add_all(
            [
                CheckIn(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    period=1,
                    due_at=at,
                    status="answered",
                    answer="met",
                    answered_by=MENTEE,
                    answered_at=at,
                    usefulness=4,
                    confidence=3,
                ),
                CheckIn(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    period=2,
                    due_at=at + timedelta(days=7),
                    status="answered",
                    answer="met",
                    answered_by=MENTOR,
                    answered_at=at + timedelta(days=7),
                    usefulness=5,
                ),
                Feedback(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    round=1,
                    from_user_id=MENTEE,
                    to_user_id=MENTOR,
                    working=MENTEE_FEEDBACK,
                    try_differently="More notes",
                    created_at=at,
                ),
                Feedback(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    round=1,
                    from_user_id=MENTOR,
                    to_user_id=MENTEE,
                    working=MENTOR_FEEDBACK,
                    try_differently="Fewer slides",
                    created_at=at,
                ),
                HelpReport(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    user_id=MENTEE,
                    text=HELP_NOTE,
                    source_key="view:seeded-help",
                    created_at=at,
                ),
                Survey(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    user_id=MENTEE,
                    rating=5,
                    recommend=10,
                    goals_reached="yes",
                    created_at=at,
                ),
                Survey(
                    team_id=pairing.team_id,
                    pairing_id=pairing.id,
                    user_id=MENTOR,
                    rating=2,
                    recommend=3,
                    goals_reached="partly",
                    created_at=at,
                ),
            ]
        )
        s.add(Workspace(team_id=OTHER_TEAM, created_at=START))
        s.flush()
        s.add(Person(team_id=OTHER_TEAM, user_id=MENTEE, display_name="Someone else entirely"))
        program = Program(team_id=OTHER_TEAM, name="Mentoring", topics=["Leadership"], created_at=START)
        s.add(program)
        s.flush()
        other = MentoringRequest(
            team_id=OTHER_TEAM,
            program_id=program.id,
            mentee_user_id=MENTEE,
            goals=OTHER_SECRET,
            topics=["Leadership"],
            source_key="seeded-other",
            created_at=START,
        )
        s.add(other)
        s.flush()
        return Seeded(pairing.id, pairing.request_id, other.id)


def other_workspace_rows(bot: RunningBot) -> list[tuple[Any, ...]]:
    """Everything the other workspace holds for the same user id, to compare before and after."""
    with unit_of_work(bot.rt.sessions) as s:
        people = s.execute(select(Person.user_id, Person.display_name).where(Person.team_id == OTHER_TEAM)).all()
        requests = s.execute(
            select(MentoringRequest.mentee_user_id, MentoringRequest.goals).where(
                MentoringRequest.team_id == OTHER_TEAM
            )
        ).all()
        return [tuple(r) for r in [*people, *requests]]


def pairing_row(bot: RunningBot, pairing_id: int) -> Pairing:
    with unit_of_work(bot.rt.sessions) as s:
        found = s.get(Pairing, pairing_id)
        assert found is not None
        return found

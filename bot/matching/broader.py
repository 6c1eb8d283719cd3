"""A mentee's answer when no mentor with room covers any of their topics: wait, or be matched more broadly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.sender import BackgroundSender
from bot.matching.proposals import lock_requests, open_program, propose_next
from bot.storage.database import retry_on_conflict, unit_of_work
from bot.storage.models import MentoringRequest
from bot.storage.statuses import RequestStatus


class Choice(StrEnum):
    WAITING = "waiting"  # the request waits for a mentor who covers a topic
    BROADER = "broader"  # a broader match was looked for; its outcome follows in a note
    CLOSED = "closed"  # the request moved on meanwhile (proposed, matched or withdrawn)
    NOT_FOUND = "not_found"  # no such request of this person's


@dataclass(frozen=True)
class ChoiceOutcome:
    choice: Choice
    request_id: int | None = None


class BroaderChoices:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: BackgroundSender):
        self.sessions = sessions
        self.dispatcher = dispatcher

    def _mine(self, s: Session, team_id: str, user_id: str, request_id: int) -> MentoringRequest | ChoiceOutcome:
        locked = lock_requests(s, MentoringRequest.id == request_id)
        if not locked or locked[0].team_id != team_id or locked[0].mentee_user_id != user_id:
            return ChoiceOutcome(Choice.NOT_FOUND)
        if locked[0].status != RequestStatus.WAITING:
            return ChoiceOutcome(Choice.CLOSED, request_id)
        return locked[0]

    @retry_on_conflict
    def wait(self, team_id: str, user_id: str, request_id: int) -> ChoiceOutcome:
        """Nothing changes: the request keeps waiting, and only a mentor who covers a topic will be asked."""
        with unit_of_work(self.sessions) as s:
            found = self._mine(s, team_id, user_id, request_id)
            return found if isinstance(found, ChoiceOutcome) else ChoiceOutcome(Choice.WAITING, request_id)

    @retry_on_conflict
    def match_broadly(self, team_id: str, user_id: str, request_id: int, now: datetime) -> ChoiceOutcome:
        """Asks the best mentor with room, topics or not; the mentee's note records the choice for later looks."""
        with unit_of_work(self.sessions) as s:
            found = self._mine(s, team_id, user_id, request_id)
            if isinstance(found, ChoiceOutcome):
                return found
            program = open_program(s, team_id, found.program_id)
            if program is None:
                return ChoiceOutcome(Choice.CLOSED, request_id)
            ids = propose_next(s, found, program, now, broader=True)
        self.dispatcher.dispatch(ids, now)
        return ChoiceOutcome(Choice.BROADER, request_id)

"""A mentee's answer to a list of mentors: the one they pick is asked; "none of these" looks further.

The pick is checked again against the mentors' places and every rule as they are now, since a list can
wait a while: a mentor who filled up or may no longer be asked gets the mentee a fresh list instead.
Each decision locks the request first, as everywhere (bot.matching.proposals), so of two clicks on one
list exactly one decides, and the other is answered with what it decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from bot.delivery.dispatcher import Dispatcher
from bot.matching.goals import GoalFit
from bot.matching.proposals import (
    DeliveryIds,
    load_offers,
    lock_requests,
    needs_for_many,
    open_program,
    propose,
    propose_next,
)
from bot.matching.scoring import rank
from bot.storage.database import retry_on_conflict, rows_changed, unit_of_work
from bot.storage.models import MentorChoice, MentoringRequest, Program, Proposal
from bot.storage.statuses import ChoiceStatus, ProgramKind, RequestStatus


class Pick(StrEnum):
    ASKED = "asked"  # the chosen mentor was asked
    PASSED = "passed"  # none of these: other mentors were listed, or the request waits
    REFRESHED = "refreshed"  # the chosen mentor could no longer be asked: a fresh list (or the news) followed
    ALREADY = "already"  # this list was answered before (a double click)
    STALE = "stale"  # a newer list replaced this one
    CLOSED = "closed"  # the request moved on: matched, withdrawn, or its program closed
    FORBIDDEN = "forbidden"  # the list was sent to someone else
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class PickOutcome:
    pick: Pick
    request_id: int | None = None
    # The mentor asked (or, for ALREADY, asked before), and why they fit, as facts.
    mentor_user_id: str | None = None
    reasons: tuple[str, ...] = ()
    # After PASSED or REFRESHED: whether a new list went out (else the request waits).
    listed: bool = False


class MenteeChoices:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    @retry_on_conflict
    def pick(self, team_id: str, user_id: str, choice_id: int, profile_id: int, now: datetime) -> PickOutcome:
        """Asks the mentor the mentee chose, reserving one of their places now, if they may still be asked."""
        with unit_of_work(self.sessions) as s:
            found = self._answerable(s, team_id, user_id, choice_id)
            if isinstance(found, PickOutcome):
                return found
            choice, request, program = found
            if profile_id not in [int(i) for i in choice.profile_ids]:
                return PickOutcome(Pick.NOT_FOUND, request.id)
            offers = load_offers(s, program)
            [needs] = needs_for_many(s, [request])
            ranked = rank(needs, offers, program.kind == ProgramKind.REVERSE, GoalFit([needs], offers).of(0))
            match = next((m for m in ranked if m.offer.profile_id == profile_id), None)
            asked = None
            if match is not None:
                reasons = list(match.reasons)
                asked = propose(s, request, program, match.offer, match.score, reasons, now, chosen=True)
            if match is not None and asked is not None:
                self._close(s, choice, ChoiceStatus.PICKED, profile_id, now)
                outcome = PickOutcome(Pick.ASKED, request.id, match.offer.user_id, match.reasons)
                ids: DeliveryIds = asked
            else:
                self._close(s, choice, ChoiceStatus.REPLACED, profile_id, now)
                request.status = RequestStatus.WAITING
                ids = propose_next(s, request, program, now)
                outcome = PickOutcome(Pick.REFRESHED, request.id, listed=request.status == RequestStatus.CHOOSING)
        self.dispatcher.dispatch(ids, now)
        return outcome

    @retry_on_conflict
    def pass_on(self, team_id: str, user_id: str, choice_id: int, now: datetime) -> PickOutcome:
        """None of these: they are never listed for this request again; others who fit are listed, if any."""
        with unit_of_work(self.sessions) as s:
            found = self._answerable(s, team_id, user_id, choice_id, passing=True)
            if isinstance(found, PickOutcome):
                return found
            choice, request, program = found
            self._close(s, choice, ChoiceStatus.PASSED, None, now)
            request.status = RequestStatus.WAITING
            ids = propose_next(s, request, program, now)
            outcome = PickOutcome(Pick.PASSED, request.id, listed=request.status == RequestStatus.CHOOSING)
        self.dispatcher.dispatch(ids, now)
        return outcome

    @staticmethod
    def _answerable(
        s: Session, team_id: str, user_id: str, choice_id: int, passing: bool = False
    ) -> PickOutcome | tuple[MentorChoice, MentoringRequest, Program]:
        """The list, its request (locked) and program if `user_id` may answer it now, else the outcome to give."""
        choice = s.scalar(select(MentorChoice).where(MentorChoice.id == choice_id, MentorChoice.team_id == team_id))
        if choice is None:
            return PickOutcome(Pick.NOT_FOUND)
        [request] = lock_requests(s, MentoringRequest.id == choice.request_id)
        s.refresh(choice)
        if request.mentee_user_id != user_id:
            return PickOutcome(Pick.FORBIDDEN, request.id)
        if choice.status == ChoiceStatus.PICKED:
            asked = s.scalar(
                select(Proposal).where(
                    Proposal.request_id == request.id, Proposal.mentor_profile_id == choice.picked_profile_id
                )
            )
            if asked is None:
                return PickOutcome(Pick.ALREADY, request.id)
            return PickOutcome(Pick.ALREADY, request.id, asked.mentor_user_id, tuple(asked.reasons))
        if choice.status == ChoiceStatus.PASSED and passing:
            return PickOutcome(Pick.ALREADY, request.id)
        if choice.status != ChoiceStatus.OPEN:
            return PickOutcome(Pick.STALE, request.id)
        program = open_program(s, team_id, request.program_id)
        if request.status != RequestStatus.CHOOSING or program is None:
            return PickOutcome(Pick.CLOSED, request.id)
        return choice, request, program

    @staticmethod
    def _close(s: Session, choice: MentorChoice, status: ChoiceStatus, profile_id: int | None, now: datetime) -> None:
        closed = s.execute(
            update(MentorChoice)
            .where(MentorChoice.id == choice.id, MentorChoice.status == ChoiceStatus.OPEN)
            .values(status=status, picked_profile_id=profile_id, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        # The request is locked, so nothing else can have answered this list meanwhile.
        assert rows_changed(closed)
        for name, value in (("status", status), ("picked_profile_id", profile_id), ("decided_at", now)):
            set_committed_value(choice, name, value)

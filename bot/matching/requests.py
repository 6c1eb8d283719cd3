"""Mentees' requests: create one from the form, or again with the same goals for a no-fault rematch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.sender import BackgroundSender
from bot.matching.proposals import DeliveryIds, lock_requests, open_program, propose_next, retry_waiting
from bot.people.directory import People, remember_person
from bot.storage.database import retry_on_conflict, unit_of_work
from bot.storage.models import MentoringRequest
from bot.storage.statuses import OPEN_REQUEST_STATUSES, RequestStatus

# A request still waiting this long after it was made is offered any free place by the tick's sweep.
SWEEP_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class RequestForm:
    goals: str
    topics: list[str]
    wants_outside_team: bool
    wants_more_senior: bool
    level: int | None
    department: str | None


class RequestResult(StrEnum):
    CREATED = "created"
    DUPLICATE = "duplicate"  # the same submission again (a Slack retry or a double click)
    ALREADY_OPEN = "already_open"  # the mentee already has an open request in this program


@dataclass(frozen=True)
class RequestOutcome:
    result: RequestResult
    request: MentoringRequest | None = None


def _existing(s: Session, team_id: str, user_id: str, program_id: int, source_key: str) -> RequestOutcome | None:
    same = s.scalar(
        select(MentoringRequest).where(MentoringRequest.team_id == team_id, MentoringRequest.source_key == source_key)
    )
    if same is not None:
        return RequestOutcome(RequestResult.DUPLICATE, same)
    open_one = s.scalar(
        select(MentoringRequest).where(
            MentoringRequest.team_id == team_id,
            MentoringRequest.program_id == program_id,
            MentoringRequest.mentee_user_id == user_id,
            MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
    )
    return RequestOutcome(RequestResult.ALREADY_OPEN, open_one) if open_one is not None else None


def copy_request(s: Session, previous: MentoringRequest, now: datetime) -> MentoringRequest | None:
    """A new waiting request with the same goals and topics, once per previous request (its source key
    is `again:{id}`); None when that copy exists, the mentee has another open request, or the program
    has closed."""
    program = open_program(s, previous.team_id, previous.program_id)
    source_key = f"again:{previous.id}"
    if program is None or _existing(s, previous.team_id, previous.mentee_user_id, previous.program_id, source_key):
        return None
    request = MentoringRequest(
        team_id=previous.team_id,
        program_id=previous.program_id,
        mentee_user_id=previous.mentee_user_id,
        goals=previous.goals,
        topics=list(previous.topics),
        wants_outside_team=previous.wants_outside_team,
        wants_more_senior=previous.wants_more_senior,
        mentee_level=previous.mentee_level,
        mentee_department=previous.mentee_department,
        status=RequestStatus.WAITING,
        source_key=source_key,
        created_at=now,
    )
    s.add(request)
    s.flush()
    return request


def request_again(s: Session, previous: MentoringRequest, now: datetime) -> DeliveryIds:
    """A copy of the request (`copy_request`), proposed at once. Returns the deliveries it queued."""
    request = copy_request(s, previous, now)
    if request is None:
        return []
    program = open_program(s, request.team_id, request.program_id)
    assert program is not None
    return propose_next(s, request, program, now)


class Requests:
    def __init__(self, sessions: sessionmaker[Session], sender: BackgroundSender, people: People):
        self.sessions = sessions
        self.sender = sender
        self.people = people

    @retry_on_conflict
    def create(
        self, team_id: str, user_id: str, program_id: int, form: RequestForm, source_key: str, now: datetime
    ) -> RequestOutcome:
        """Stores the request, once per submission (`source_key`), and answers; the best mentor is
        chosen and asked right after, in the background (and by the tick's sweep, should this process
        stop first)."""
        try:
            with unit_of_work(self.sessions) as s:
                # An open program is the workspace's: its row exists, and nothing here has to make it.
                program = open_program(s, team_id, program_id)
                seen = _existing(s, team_id, user_id, program_id, source_key)
                if seen is not None or program is None:
                    return seen or RequestOutcome(RequestResult.ALREADY_OPEN)
                request = MentoringRequest(
                    team_id=team_id,
                    program_id=program_id,
                    mentee_user_id=user_id,
                    goals=form.goals,
                    topics=form.topics,
                    wants_outside_team=form.wants_outside_team,
                    wants_more_senior=form.wants_more_senior,
                    mentee_level=form.level,
                    mentee_department=form.department,
                    status=RequestStatus.WAITING,
                    source_key=source_key,
                    created_at=now,
                )
                s.add(request)
                remember_person(s, team_id, user_id, form.level, form.department)
                s.flush()
                request_id = request.id
        except IntegrityError:
            # A concurrent delivery of the same submission, or a second request, won the race.
            with unit_of_work(self.sessions) as s:
                return _existing(s, team_id, user_id, program_id, source_key) or RequestOutcome(
                    RequestResult.ALREADY_OPEN
                )

        def match() -> None:
            self.people.refresh(team_id, user_id, now)  # their timezone, for matching: Slack is asked here
            self.propose(team_id, request_id, now)

        self.sender.later(match, what="a match")
        return RequestOutcome(RequestResult.CREATED, request)

    def sweep(self, now: datetime, settled: timedelta = SWEEP_AFTER) -> int:
        """Offers free places to requests still waiting `settled` after they were made: the safety net
        for a match that was to run after the answer when the process stopped. Returns how many
        deliveries it queued (the tick sends them)."""
        with unit_of_work(self.sessions) as s:
            programs = s.execute(
                select(MentoringRequest.team_id, MentoringRequest.program_id)
                .where(MentoringRequest.status == RequestStatus.WAITING, MentoringRequest.created_at <= now - settled)
                .distinct()
            ).all()
        queued = 0
        for team_id, program_id in programs:
            queued += self._sweep_program(team_id, program_id, now)
        return queued

    @retry_on_conflict
    def _sweep_program(self, team_id: str, program_id: int, now: datetime) -> int:
        with unit_of_work(self.sessions) as s:
            program = open_program(s, team_id, program_id)
            return len([i for i in retry_waiting(s, program, now) if i is not None]) if program else 0

    @retry_on_conflict
    def propose(self, team_id: str, request_id: int, now: datetime) -> None:
        """Asks the best available mentor for a request that is still waiting, or tells the mentee
        they wait. Safe to run twice: a request already proposed is left alone."""
        with unit_of_work(self.sessions) as s:
            locked = lock_requests(s, (MentoringRequest.id == request_id) & (MentoringRequest.team_id == team_id))
            if not locked or locked[0].status != RequestStatus.WAITING:
                return
            program = open_program(s, team_id, locked[0].program_id)
            if program is None:
                return
            ids = propose_next(s, locked[0], program, now, opening=True)
        self.sender.dispatch(ids, now)

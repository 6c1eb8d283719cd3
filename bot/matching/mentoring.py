"""Requests, proposals and pairings: decide and store in one transaction, then send what it queued."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.matching import proposals
from bot.storage.database import rows_changed, unit_of_work
from bot.blockkit.forms import ProfileForm, RequestForm
from bot.storage.models import (
    OPEN_REQUEST_STATUSES,
    CheckIn,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Program,
    Proposal,
)
from bot.delivery.outbox import Dispatcher
from bot.matching import messages
from bot.people.directory import ensure_person, ensure_workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestOutcome:
    kind: str  # "created", "duplicate" or "already_open"
    request: MentoringRequest | None = None


@dataclass(frozen=True)
class ProposalOutcome:
    # "accepted", "declined", "already" (same decision again), "stale", "forbidden" or "not_found"
    kind: str
    proposal: Proposal | None = None
    request: MentoringRequest | None = None
    pairing: Pairing | None = None


@dataclass(frozen=True)
class Status:
    as_mentee: list[Pairing]
    as_mentor: list[Pairing]
    open_requests: list[MentoringRequest]
    mentor_summary: str | None


class Mentoring:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    # --- mentors -------------------------------------------------------------------------

    def save_profile(
        self, team_id: str, user_id: str, program_id: int, form: ProfileForm, now: datetime
    ) -> dict[str, str]:
        """Create or update a mentor profile, then offer waiting requests to the new capacity.

        Returns field errors for the modal, empty on success.
        """
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            program = self._program(s, team_id, program_id)
            if program is None:
                return {"program": "That program is not open any more. Choose another one."}
            profile = s.scalar(
                select(MentorProfile)
                .where(
                    MentorProfile.team_id == team_id,
                    MentorProfile.program_id == program_id,
                    MentorProfile.user_id == user_id,
                )
                .with_for_update()
            )
            if profile is not None and form.capacity < profile.load:
                return {
                    "capacity": f"You already have {profile.load} mentee(s) or pending requests. "
                    f"Choose at least {profile.load}."
                }
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
            self._remember_person(s, team_id, user_id, form.level, form.department)
            s.flush()
            ids = self.retry_waiting(s, program, now)
        self.dispatcher.dispatch(ids, now)
        return {}

    # --- mentees -------------------------------------------------------------------------

    def create_request(
        self, team_id: str, user_id: str, program_id: int, form: RequestForm, source_key: str, now: datetime
    ) -> RequestOutcome:
        try:
            with unit_of_work(self.sessions) as s:
                ensure_workspace(s, team_id, now)
                program = self._program(s, team_id, program_id)
                seen = self._existing_request(s, team_id, user_id, program_id, source_key)
                if seen is not None or program is None:
                    return seen or RequestOutcome("already_open")
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
                    status="waiting",
                    source_key=source_key,
                    created_at=now,
                )
                s.add(request)
                self._remember_person(s, team_id, user_id, form.level, form.department)
                s.flush()
                ids = proposals.propose_next(s, request, program, now)
        except IntegrityError:
            # A concurrent delivery of the same submission, or a second request, won the race.
            with unit_of_work(self.sessions) as s:
                return self._existing_request(s, team_id, user_id, program_id, source_key) or RequestOutcome(
                    "already_open"
                )
        self.dispatcher.dispatch(ids, now)
        return RequestOutcome("created", request)

    def _existing_request(
        self, s: Session, team_id: str, user_id: str, program_id: int, source_key: str
    ) -> RequestOutcome | None:
        same = s.scalar(
            select(MentoringRequest).where(
                MentoringRequest.team_id == team_id, MentoringRequest.source_key == source_key
            )
        )
        if same is not None:
            return RequestOutcome("duplicate", same)
        open_one = s.scalar(
            select(MentoringRequest).where(
                MentoringRequest.team_id == team_id,
                MentoringRequest.program_id == program_id,
                MentoringRequest.mentee_user_id == user_id,
                MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
            )
        )
        return RequestOutcome("already_open", open_one) if open_one is not None else None

    # --- proposals -----------------------------------------------------------------------

    def accept(self, team_id: str, user_id: str, proposal_id: int, now: datetime) -> ProposalOutcome:
        try:
            with unit_of_work(self.sessions) as s:
                found = self._decidable(s, team_id, user_id, proposal_id, "accepted")
                if isinstance(found, ProposalOutcome):
                    return found
                proposal, request = found
                if not self._win(s, proposal, "accepted", now):
                    raise _LostRace
                taken = s.execute(
                    update(MentoringRequest)
                    .where(MentoringRequest.id == request.id, MentoringRequest.status == "proposed")
                    .values(status="matched", matched_at=now)
                )
                if not rows_changed(taken):
                    raise _LostRace
                pairing = Pairing(
                    team_id=team_id,
                    program_id=request.program_id,
                    request_id=request.id,
                    mentor_profile_id=proposal.mentor_profile_id,
                    mentor_user_id=proposal.mentor_user_id,
                    mentee_user_id=request.mentee_user_id,
                    status="active",
                    started_at=now,
                )
                s.add(pairing)
                s.flush()
                intro = messages.intro_message(pairing, request, proposal.reasons)
                ids = [
                    outbox.enqueue(
                        s, team_id=team_id, key=f"pairing:{pairing.id}:intro", kind="intro",
                        payload=intro, pairing_id=pairing.id, now=now,
                    )
                ]
        except (_LostRace, IntegrityError):
            with unit_of_work(self.sessions) as s:
                again = self._decidable(s, team_id, user_id, proposal_id, "accepted")
                return again if isinstance(again, ProposalOutcome) else ProposalOutcome("stale", *again)
        self.dispatcher.dispatch(ids, now)
        return ProposalOutcome("accepted", proposal, request, pairing)

    def decline(self, team_id: str, user_id: str, proposal_id: int, now: datetime) -> ProposalOutcome:
        with unit_of_work(self.sessions) as s:
            found = self._decidable(s, team_id, user_id, proposal_id, "declined")
            if isinstance(found, ProposalOutcome):
                return found
            proposal, request = found
            if not self._win(s, proposal, "declined", now):
                return ProposalOutcome("already", proposal, request)
            self.release(s, proposal.mentor_profile_id)
            request.status = "waiting"
            program = self._program(s, team_id, request.program_id)
            ids = proposals.propose_next(s, request, program, now) if program else []
        self.dispatcher.dispatch(ids, now)
        return ProposalOutcome("declined", proposal, request)

    def record_decline_reason(self, team_id: str, user_id: str, proposal_id: int, reason: str) -> bool:
        with unit_of_work(self.sessions) as s:
            proposal = s.scalar(select(Proposal).where(Proposal.id == proposal_id, Proposal.team_id == team_id))
            if proposal is None or proposal.mentor_user_id != user_id or proposal.status != "declined":
                return False
            proposal.decline_reason = reason or None
            return True

    def _decidable(
        self, s: Session, team_id: str, user_id: str, proposal_id: int, decision: str
    ) -> ProposalOutcome | tuple[Proposal, MentoringRequest]:
        proposal = s.scalar(select(Proposal).where(Proposal.id == proposal_id, Proposal.team_id == team_id))
        if proposal is None:
            return ProposalOutcome("not_found")
        request = s.get(MentoringRequest, proposal.request_id)
        assert request is not None
        if proposal.mentor_user_id != user_id:
            return ProposalOutcome("forbidden", proposal, request)
        if proposal.status == decision:
            pairing = s.scalar(select(Pairing).where(Pairing.request_id == request.id))
            return ProposalOutcome("already", proposal, request, pairing)
        if proposal.status != "pending":
            return ProposalOutcome("stale", proposal, request)
        return proposal, request

    @staticmethod
    def _win(s: Session, proposal: Proposal, decision: str, now: datetime) -> bool:
        """Compare-and-set on the proposal row: of two racing clicks, exactly one wins."""
        won = s.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id, Proposal.status == "pending")
            .values(status=decision, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(won):
            proposal.status = decision
            proposal.decided_at = now
        return bool(rows_changed(won))

    @staticmethod
    def release(s: Session, profile_id: int) -> None:
        s.execute(
            update(MentorProfile)
            .where(MentorProfile.id == profile_id, MentorProfile.load > 0)
            .values(load=MentorProfile.load - 1)
            .execution_options(synchronize_session=False)
        )

    # --- pairings ------------------------------------------------------------------------

    def end_pairing(self, s: Session, pairing: Pairing, status: str, reason: str, now: datetime) -> bool:
        """Ends an active pairing: frees the mentor's place and closes its open check-in."""
        ended = s.execute(
            update(Pairing)
            .where(Pairing.id == pairing.id, Pairing.status == "active")
            .values(status=status, ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        )
        if not rows_changed(ended):
            return False
        pairing.status, pairing.ended_at, pairing.end_reason = status, now, reason
        self.release(s, pairing.mentor_profile_id)
        s.execute(
            update(CheckIn)
            .where(CheckIn.pairing_id == pairing.id, CheckIn.status == "open")
            .values(status="closed")
            .execution_options(synchronize_session=False)
        )
        return True

    def request_again(self, s: Session, previous: MentoringRequest, now: datetime) -> list[int | None]:
        """A new request with the same goals, e.g. for a no-fault rematch. Returns deliveries to send."""
        program = self._program(s, previous.team_id, previous.program_id)
        if program is None or self._existing_request(
            s, previous.team_id, previous.mentee_user_id, previous.program_id, f"again:{previous.id}"
        ):
            return []
        request = MentoringRequest(
            team_id=previous.team_id, program_id=previous.program_id, mentee_user_id=previous.mentee_user_id,
            goals=previous.goals, topics=list(previous.topics), wants_outside_team=previous.wants_outside_team,
            wants_more_senior=previous.wants_more_senior, mentee_level=previous.mentee_level,
            mentee_department=previous.mentee_department, status="waiting", source_key=f"again:{previous.id}",
            created_at=now,
        )
        s.add(request)
        s.flush()
        return proposals.propose_next(s, request, program, now)

    # --- matching ------------------------------------------------------------------------

    def retry_waiting(self, s: Session, program: Program, now: datetime) -> list[int | None]:
        return proposals.retry_waiting(s, program, now)

    # --- reading -------------------------------------------------------------------------

    def status(self, team_id: str, user_id: str) -> Status:
        with unit_of_work(self.sessions) as s:
            pairings = list(
                s.scalars(
                    select(Pairing)
                    .where(
                        Pairing.team_id == team_id,
                        Pairing.status == "active",
                        or_(Pairing.mentor_user_id == user_id, Pairing.mentee_user_id == user_id),
                    )
                    .order_by(Pairing.started_at)
                )
            )
            requests = list(
                s.scalars(
                    select(MentoringRequest)
                    .where(
                        MentoringRequest.team_id == team_id,
                        MentoringRequest.mentee_user_id == user_id,
                        MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
                    )
                    .order_by(MentoringRequest.created_at)
                )
            )
            profiles = list(
                s.scalars(
                    select(MentorProfile).where(
                        MentorProfile.team_id == team_id, MentorProfile.user_id == user_id, MentorProfile.active
                    )
                )
            )
        summary = None
        if profiles:
            capacity = sum(p.capacity for p in profiles)
            load = sum(p.load for p in profiles)
            summary = f"You're a mentor with room for {capacity - load} more of {capacity} mentee(s)."
        return Status(
            as_mentee=[p for p in pairings if p.mentee_user_id == user_id],
            as_mentor=[p for p in pairings if p.mentor_user_id == user_id],
            open_requests=requests,
            mentor_summary=summary,
        )

    def profile(self, team_id: str, user_id: str, program_id: int) -> MentorProfile | None:
        with unit_of_work(self.sessions) as s:
            return s.scalar(
                select(MentorProfile).where(
                    MentorProfile.team_id == team_id,
                    MentorProfile.program_id == program_id,
                    MentorProfile.user_id == user_id,
                )
            )

    @staticmethod
    def _program(s: Session, team_id: str, program_id: int) -> Program | None:
        return s.scalar(
            select(Program).where(Program.id == program_id, Program.team_id == team_id, Program.status == "open")
        )

    @staticmethod
    def _remember_person(s: Session, team_id: str, user_id: str, level: int | None, department: str | None) -> None:
        person = ensure_person(s, team_id, user_id)
        if level is not None:
            person.level = level
        if department:
            person.department = department


class _LostRace(Exception):
    """Another click decided this proposal or request first."""

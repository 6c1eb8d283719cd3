"""A mentor's answer to a proposal: Accept makes the pairing and its introduction; Decline asks the next mentor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.matching import messages
from bot.matching.proposals import free_place, lock_requests, open_program, propose_next
from bot.storage.database import retry_on_conflict, rows_changed, unit_of_work
from bot.storage.models import MentoringRequest, Pairing, Program, Proposal
from bot.storage.statuses import DeliveryKind, PairingStatus, ProposalStatus, RequestStatus


class Decision(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ALREADY = "already"  # the same decision again
    STALE = "stale"  # decided otherwise, or withdrawn, meanwhile
    FORBIDDEN = "forbidden"  # the proposal was sent to someone else
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ProposalOutcome:
    decision: Decision
    proposal: Proposal | None = None
    request: MentoringRequest | None = None
    pairing: Pairing | None = None


class _LostRace(Exception):
    """Another click decided this proposal or request first."""


class ProposalDecisions:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    @retry_on_conflict
    def accept(self, team_id: str, user_id: str, proposal_id: int, now: datetime) -> ProposalOutcome:
        """Pairs the mentor with the mentee, unless the mentee withdrew or the proposal was decided meanwhile.

        The request is locked before the proposal, as everywhere, so a mentee leaving at the same instant
        either withdraws first (and this answers STALE) or finds the pairing made and ends it.
        """
        try:
            with unit_of_work(self.sessions) as s:
                found = self._decidable(s, team_id, user_id, proposal_id, ProposalStatus.ACCEPTED, lock=True)
                if isinstance(found, ProposalOutcome):
                    return found
                proposal, request = found
                if not self._win(s, proposal, ProposalStatus.ACCEPTED, now):
                    raise _LostRace
                taken = s.execute(
                    update(MentoringRequest)
                    .where(MentoringRequest.id == request.id, MentoringRequest.status == RequestStatus.PROPOSED)
                    .values(status=RequestStatus.MATCHED, matched_at=now)
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
                    status=PairingStatus.ACTIVE,
                    started_at=now,
                )
                s.add(pairing)
                s.flush()
                program = s.get(Program, request.program_id)
                assert program is not None
                ids = [
                    outbox.enqueue(
                        s,
                        team_id=team_id,
                        key=f"pairing:{pairing.id}:intro",
                        kind=DeliveryKind.INTRO,
                        payload=messages.intro_message(pairing, request, proposal.reasons, program, now),
                        pairing_id=pairing.id,
                        now=now,
                    )
                ]
        except (_LostRace, IntegrityError):
            with unit_of_work(self.sessions) as s:
                again = self._decidable(s, team_id, user_id, proposal_id, ProposalStatus.ACCEPTED)
                return again if isinstance(again, ProposalOutcome) else ProposalOutcome(Decision.STALE, *again)
        self.dispatcher.dispatch(ids, now)
        return ProposalOutcome(Decision.ACCEPTED, proposal, request, pairing)

    @retry_on_conflict
    def decline(self, team_id: str, user_id: str, proposal_id: int, now: datetime) -> ProposalOutcome:
        """Asks the next best mentor for this request, then offers the freed place to whoever is waiting."""
        with unit_of_work(self.sessions) as s:
            found = self._decidable(s, team_id, user_id, proposal_id, ProposalStatus.DECLINED, lock=True)
            if isinstance(found, ProposalOutcome):
                return found
            proposal, request = found
            if not self._win(s, proposal, ProposalStatus.DECLINED, now):
                return ProposalOutcome(Decision.ALREADY, proposal, request)
            request.status = RequestStatus.WAITING
            program = open_program(s, team_id, request.program_id)
            ids = propose_next(s, request, program, now) if program else []
            ids += free_place(s, proposal.mentor_profile_id, now)
        self.dispatcher.dispatch(ids, now)
        return ProposalOutcome(Decision.DECLINED, proposal, request)

    def record_decline_reason(self, team_id: str, user_id: str, proposal_id: int, reason: str) -> bool:
        with unit_of_work(self.sessions) as s:
            proposal = s.scalar(select(Proposal).where(Proposal.id == proposal_id, Proposal.team_id == team_id))
            if proposal is None or proposal.mentor_user_id != user_id or proposal.status != ProposalStatus.DECLINED:
                return False
            proposal.decline_reason = reason or None
            return True

    @staticmethod
    def _decidable(
        s: Session, team_id: str, user_id: str, proposal_id: int, decision: ProposalStatus, lock: bool = False
    ) -> ProposalOutcome | tuple[Proposal, MentoringRequest]:
        """The proposal and its request if `user_id` may decide it now, else the outcome to answer with.

        With `lock`, the request row is locked first and the proposal read after, so what is checked
        here is what the compare-and-set that follows will find.
        """
        proposal = s.scalar(select(Proposal).where(Proposal.id == proposal_id, Proposal.team_id == team_id))
        if proposal is None:
            return ProposalOutcome(Decision.NOT_FOUND)
        if lock:
            [request] = lock_requests(s, MentoringRequest.id == proposal.request_id)
            s.refresh(proposal)
        else:
            found = s.get(MentoringRequest, proposal.request_id)
            assert found is not None
            request = found
        if proposal.mentor_user_id != user_id:
            return ProposalOutcome(Decision.FORBIDDEN, proposal, request)
        if proposal.status == decision:
            pairing = s.scalar(select(Pairing).where(Pairing.request_id == request.id))
            return ProposalOutcome(Decision.ALREADY, proposal, request, pairing)
        if proposal.status != ProposalStatus.PENDING:
            return ProposalOutcome(Decision.STALE, proposal, request)
        return proposal, request

    @staticmethod
    def _win(s: Session, proposal: Proposal, decision: ProposalStatus, now: datetime) -> bool:
        """Compare-and-set on the proposal row: of two racing clicks, exactly one wins."""
        won = s.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id, Proposal.status == ProposalStatus.PENDING)
            .values(status=decision, decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(won):
            proposal.status = decision
            proposal.decided_at = now
        return bool(rows_changed(won))

"""Pausing, leaving, no-fault rematches, and pairs that end because someone can't be reached."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.storage.database import unit_of_work
from bot.matching.mentoring import Mentoring
from bot.storage.models import OPEN_REQUEST_STATUSES, MentoringRequest, MentorProfile, Pairing, Program, Proposal
from bot.delivery.outbox import Dispatcher
from bot.delivery.slack_gateway import SlackFailure, SlackGateway
from bot.pairing import messages as views
from bot.people.directory import ensure_person, ensure_workspace

log = logging.getLogger(__name__)

PAUSE_WEEKS_DEFAULT = 2
PAUSE_WEEKS_MAX = 12


@dataclass(frozen=True)
class LeaveSummary:
    pairings: int
    requests: int
    profiles: int


class Lifecycle:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, mentoring: Mentoring,
                 gateway: SlackGateway):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.mentoring = mentoring
        self.gateway = gateway

    def pause(self, team_id: str, user_id: str, weeks: int, now: datetime) -> datetime:
        until = now + timedelta(weeks=weeks)
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            ensure_person(s, team_id, user_id).paused_until = until
        return until

    def _end_and_tell(
        self, s: Session, pairing: Pairing, gone_user: str, reason: str, now: datetime
    ) -> list[int | None]:
        if not self.mentoring.end_pairing(s, pairing, "ended", reason, now):
            return []
        other = pairing.mentor_user_id if gone_user == pairing.mentee_user_id else pairing.mentee_user_id
        return [outbox.enqueue(s, team_id=pairing.team_id, key=f"ended:{pairing.id}:{other}", kind="pairing_ended",
                               payload=views.pairing_ended_notice(gone_user, reason), target=other, now=now)]

    def leave(self, team_id: str, user_id: str, now: datetime) -> LeaveSummary:
        ids: list[int | None] = []
        with unit_of_work(self.sessions) as s:
            pairings = list(s.scalars(select(Pairing).where(
                Pairing.team_id == team_id, Pairing.status == "active",
                or_(Pairing.mentee_user_id == user_id, Pairing.mentor_user_id == user_id),
            )))
            for pairing in pairings:
                ids += self._end_and_tell(s, pairing, user_id, "left", now)
            requests = list(s.scalars(select(MentoringRequest).where(
                MentoringRequest.team_id == team_id, MentoringRequest.mentee_user_id == user_id,
                MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
            )))
            for request in requests:
                request.status = "withdrawn"
                self._withdraw_proposals(s, Proposal.request_id == request.id)
            profiles = list(s.scalars(select(MentorProfile).where(
                MentorProfile.team_id == team_id, MentorProfile.user_id == user_id, MentorProfile.active.is_(True),
            )))
            for profile in profiles:
                profile.active = False
                for request in self._withdraw_proposals(s, Proposal.mentor_profile_id == profile.id):
                    request.status = "waiting"
            s.flush()
            for program in s.scalars(select(Program).where(Program.team_id == team_id, Program.status == "open")):
                ids += self.mentoring.retry_waiting(s, program, now)
        self.dispatcher.dispatch(ids, now)
        return LeaveSummary(len(pairings), len(requests), len(profiles))

    def _withdraw_proposals(self, s: Session, which) -> list[MentoringRequest]:  # type: ignore[no-untyped-def]
        """Withdraws pending proposals, freeing their mentors' places. Returns the requests they were for."""
        pending = list(s.scalars(select(Proposal).where(which, Proposal.status == "pending")))
        requests = []
        for proposal in pending:
            s.execute(update(Proposal).where(Proposal.id == proposal.id).values(status="withdrawn"))
            self.mentoring.release(s, proposal.mentor_profile_id)
            request = s.get(MentoringRequest, proposal.request_id)
            if request is not None and request.status == "proposed":
                requests.append(request)
        return requests

    def rematch(self, team_id: str, user_id: str, pairing_id: int, now: datetime) -> str:
        """The mentee asks for a different mentor: "ok", "forbidden", "not_found" or "already"."""
        with unit_of_work(self.sessions) as s:
            pairing = s.scalar(select(Pairing).where(Pairing.id == pairing_id, Pairing.team_id == team_id))
            if pairing is None:
                return "not_found"
            if pairing.mentee_user_id != user_id:
                return "forbidden"
            ids: list[int | None] = []
            if pairing.status == "active":
                if not self.mentoring.end_pairing(s, pairing, "ended", "rematch", now):
                    return "already"
                ids.append(outbox.enqueue(
                    s, team_id=team_id, key=f"ended:{pairing.id}:{pairing.mentor_user_id}", kind="pairing_ended",
                    payload=views.pairing_ended_notice(user_id, "rematch"), target=pairing.mentor_user_id, now=now,
                ))
            pairing.afterwards = "rematch"
            previous = s.get(MentoringRequest, pairing.request_id)
            assert previous is not None
            again = self.mentoring.request_again(s, previous, now)
            if not again and not ids:
                return "already"
            ids += again
        self.dispatcher.dispatch(ids, now)
        return "ok"

    def unreachable(self, team_id: str, pairing_id: int, target: str | None, error: str, now: datetime) -> None:
        """A send failed for good because someone is gone: end their pairing and tell the other side."""
        with unit_of_work(self.sessions) as s:
            pairing = s.get(Pairing, pairing_id)
            if pairing is None or pairing.team_id != team_id or pairing.status != "active":
                return
            members = (pairing.mentee_user_id, pairing.mentor_user_id)
        gone = target if target in members else self._find_gone(members)
        if gone is None:
            log.error("pair %s: a send failed with %s but both members still look reachable", pairing_id, error)
            return
        with unit_of_work(self.sessions) as s:
            pairing = s.get(Pairing, pairing_id)
            assert pairing is not None
            ids = self._end_and_tell(s, pairing, gone, "unreachable", now)
            program = s.get(Program, pairing.program_id)
            if program is not None:
                ids += self.mentoring.retry_waiting(s, program, now)
        log.warning("pair %s ended: %s is unreachable (%s)", pairing_id, gone, error)
        self.dispatcher.dispatch(ids, now)

    def _find_gone(self, members: tuple[str, str]) -> str | None:
        for user_id in members:
            try:
                info = self.gateway.user_info(user_id)
            except SlackFailure as exc:
                if exc.permanent:
                    return user_id
                continue
            if info.get("deleted"):
                return user_id
        return None

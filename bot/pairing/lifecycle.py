"""Pausing, leaving, no-fault rematches, and pairs that end because someone can't be reached."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher, Unreachable
from bot.delivery.slack_gateway import Gateways, SlackFailure
from bot.matching.proposals import DeliveryIds, lock_requests, withdraw_pending
from bot.matching.requests import request_again
from bot.pairing import messages
from bot.pairing.answers import AnswerKind, may_rematch
from bot.pairing.pairings import end_and_tell, end_pairing
from bot.people.directory import ensure_person, ensure_workspace
from bot.storage.database import retry_on_conflict, rows_changed, unit_of_work
from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Person, Proposal
from bot.storage.statuses import (
    OPEN_REQUEST_STATUSES,
    Afterwards,
    DeliveryKind,
    EndReason,
    PairingStatus,
    ProposalStatus,
    RequestStatus,
)

log = logging.getLogger(__name__)

PAUSE_WEEKS_DEFAULT = 2
PAUSE_WEEKS_MAX = 12


# Plain ASCII digits only: str.isdigit() and int() also take "²", "٣" or "３", which people rarely mean.
_WEEKS = re.compile(r"(?P<n>[0-9]{1,3})(?:w|weeks?)?")


def parse_pause_weeks(words: list[str], default: int = PAUSE_WEEKS_DEFAULT, most: int = PAUSE_WEEKS_MAX) -> int | None:
    """`/mentor pause` → default; `/mentor pause 3`, `3w` or `3 weeks` → 3; anything else → None."""
    if not words:
        return default
    if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("week", "weeks")):
        return None
    found = _WEEKS.fullmatch(words[0].lower())
    if found is None:
        return None
    weeks = int(found["n"])
    return weeks if 1 <= weeks <= most else None


@dataclass(frozen=True)
class LeaveSummary:
    pairings: int
    requests: int
    profiles: int


@dataclass(frozen=True)
class Pause:
    until: datetime | None  # None: nothing was paused
    partners: tuple[str, ...]  # who was told


def _partners(s: Session, team_id: str, user_id: str) -> list[tuple[int, str]]:
    """(pairing id, the other person) for each of the person's active pairings."""
    rows = s.execute(
        select(Pairing.id, Pairing.mentee_user_id, Pairing.mentor_user_id)
        .where(
            Pairing.team_id == team_id,
            Pairing.status == PairingStatus.ACTIVE,
            or_(Pairing.mentee_user_id == user_id, Pairing.mentor_user_id == user_id),
        )
        .order_by(Pairing.id)
    ).all()
    return [(pairing_id, mentor if mentee == user_id else mentee) for pairing_id, mentee, mentor in rows]


def step_out(
    s: Session, team_id: str, user_id: str, reason: EndReason, now: datetime
) -> tuple[LeaveSummary, DeliveryIds]:
    """Ends the person's pairings kindly, withdraws their requests and hides their mentor profiles.

    Rows are locked in the one order every service uses: requests, proposals, pairings, profiles.
    A mentor's Accept racing this either finds the request withdrawn, or made its pairing first,
    which this then ends; the summary counts only what this call changed. The profiles are hidden
    before any place is freed, so none of those places is offered back to the person stepping out.
    Their mentees' goals go out again (`end_and_tell`).
    """
    ids: DeliveryIds = []
    own_profiles = select(MentorProfile.id).where(MentorProfile.team_id == team_id, MentorProfile.user_id == user_id)
    mine = or_(
        Proposal.request_id.in_(
            select(MentoringRequest.id).where(
                MentoringRequest.team_id == team_id, MentoringRequest.mentee_user_id == user_id
            )
        ),
        Proposal.mentor_profile_id.in_(own_profiles),
    )
    open_requests = and_(
        MentoringRequest.team_id == team_id,
        MentoringRequest.mentee_user_id == user_id,
        MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
    )
    asked = MentoringRequest.id.in_(select(Proposal.request_id).where(mine, Proposal.status == ProposalStatus.PENDING))
    lock_requests(s, or_(open_requests, asked))
    withdrawn = rows_changed(
        s.execute(
            update(MentoringRequest)
            .where(open_requests)
            .values(status=RequestStatus.WITHDRAWN)
            .execution_options(synchronize_session=False)
        )
    )
    s.scalars(
        select(Proposal.id)
        .where(mine, Proposal.status == ProposalStatus.PENDING)
        .order_by(Proposal.id)
        .with_for_update(key_share=True)
    ).all()
    pairings = list(
        s.scalars(
            select(Pairing)
            .where(
                Pairing.team_id == team_id,
                Pairing.status == PairingStatus.ACTIVE,
                or_(Pairing.mentee_user_id == user_id, Pairing.mentor_user_id == user_id),
            )
            .order_by(Pairing.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
    hidden = rows_changed(
        s.execute(
            update(MentorProfile)
            .where(MentorProfile.id.in_(own_profiles), MentorProfile.active.is_(True))
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
    )
    ids += withdraw_pending(s, mine, now)
    ended = 0
    for pairing in pairings:
        told = end_and_tell(s, pairing, user_id, reason, now)
        ended += bool(told)
        ids += told
    return LeaveSummary(ended, withdrawn, hidden), ids


class Lifecycle:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    @retry_on_conflict
    def pause(self, team_id: str, user_id: str, weeks: int, now: datetime, only_if_paired: bool = False) -> Pause:
        """Pauses the person's check-ins and prompts for `weeks`, and tells each partner, without a reason.

        With `only_if_paired`, someone with no active pairing is left as they are: there is nothing to pause.
        """
        until = now + timedelta(weeks=weeks)
        with unit_of_work(self.sessions) as s:
            ensure_workspace(s, team_id, now)
            partners = _partners(s, team_id, user_id)
            if only_if_paired and not partners:
                return Pause(None, ())
            ensure_person(s, team_id, user_id).paused_until = until
            ids = [
                outbox.enqueue(
                    s,
                    team_id=team_id,
                    key=f"paused:{user_id}:{int(until.timestamp())}:{pairing_id}:{partner}",
                    kind=DeliveryKind.PAUSE_NOTE,
                    payload=messages.partner_paused_note(user_id, until),
                    target=partner,
                    pairing_id=pairing_id,
                    now=now,
                )
                for pairing_id, partner in partners
            ]
        self.dispatcher.dispatch(ids, now)
        return Pause(until, tuple(dict.fromkeys(partner for _, partner in partners)))

    @retry_on_conflict
    def resume(self, team_id: str, user_id: str, now: datetime) -> tuple[str, ...] | None:
        """Ends the person's pause early and tells each partner; returns who was told, or None when the
        person wasn't paused."""
        with unit_of_work(self.sessions) as s:
            ended = s.execute(
                update(Person)
                .where(Person.team_id == team_id, Person.user_id == user_id, Person.paused_until > now)
                .values(paused_until=None)
                .execution_options(synchronize_session=False)
            )
            if not rows_changed(ended):
                return None
            partners = _partners(s, team_id, user_id)
            ids = [
                outbox.enqueue(
                    s,
                    team_id=team_id,
                    key=f"resumed:{user_id}:{int(now.timestamp())}:{pairing_id}:{partner}",
                    kind=DeliveryKind.PAUSE_NOTE,
                    payload=messages.partner_resumed_note(user_id),
                    target=partner,
                    pairing_id=pairing_id,
                    now=now,
                )
                for pairing_id, partner in partners
            ]
        self.dispatcher.dispatch(ids, now)
        return tuple(dict.fromkeys(partner for _, partner in partners))

    @retry_on_conflict
    def leave(self, team_id: str, user_id: str, now: datetime) -> LeaveSummary:
        """Ends the person's pairings kindly, withdraws their requests and hides their mentor profiles."""
        with unit_of_work(self.sessions) as s:
            summary, ids = step_out(s, team_id, user_id, EndReason.LEFT, now)
        self.dispatcher.dispatch(ids, now)
        return summary

    @retry_on_conflict
    def rematch(self, team_id: str, user_id: str, pairing_id: int, now: datetime) -> AnswerKind:
        """A no-fault rematch. The mentee asks for a different mentor (from an active pair, or once the
        program has run its course); the mentor may end an active pair the same way. Either way the
        pairing ends without fault, the other person is told kindly, and the same goals go out again."""
        with unit_of_work(self.sessions) as s:
            pairing = s.scalar(select(Pairing).where(Pairing.id == pairing_id, Pairing.team_id == team_id))
            if pairing is None:
                return AnswerKind.NOT_FOUND
            if user_id == pairing.mentor_user_id and pairing.status == PairingStatus.ACTIVE:
                # The mentee loses their mentor through no choice of their own: their goals go out again.
                ids: DeliveryIds = end_and_tell(s, pairing, user_id, EndReason.REMATCH, now)
                if not ids:
                    return AnswerKind.ALREADY
            elif pairing.mentee_user_id != user_id:
                return AnswerKind.FORBIDDEN
            elif not may_rematch(pairing):
                # An old button from a pair that ended early: whoever left chose to, so nothing reopens.
                return AnswerKind.ENDED
            else:
                ids = self._mentee_rematch(s, pairing, now)
                if not ids:
                    return AnswerKind.ALREADY
        self.dispatcher.dispatch(ids, now)
        return AnswerKind.OK

    @staticmethod
    def _mentee_rematch(s: Session, pairing: Pairing, now: datetime) -> DeliveryIds:
        """Ends the pairing if it is still active (the mentor is told) and asks again for the mentee."""
        ids: DeliveryIds = []
        if pairing.status == PairingStatus.ACTIVE:
            freed = end_pairing(s, pairing, PairingStatus.ENDED, EndReason.REMATCH, now)
            if freed is None:
                return []
            ids.append(
                outbox.enqueue(
                    s,
                    team_id=pairing.team_id,
                    key=f"ended:{pairing.id}:{pairing.mentor_user_id}",
                    kind=DeliveryKind.PAIRING_ENDED,
                    payload=messages.pairing_ended_notice(pairing.mentee_user_id, EndReason.REMATCH),
                    target=pairing.mentor_user_id,
                    now=now,
                )
            )
            ids += freed
        pairing.afterwards = Afterwards.REMATCH
        previous = s.get(MentoringRequest, pairing.request_id)
        assert previous is not None
        return ids + request_again(s, previous, now)


class Departures:
    """Ends a pair when a send shows one of them is gone (deactivated, deleted, unreachable)."""

    def __init__(self, sessions: sessionmaker[Session], gateway: Gateways):
        self.sessions = sessions
        self.gateway = gateway

    def unreachable(self, gone: Unreachable, now: datetime) -> DeliveryIds:
        """Returns the deliveries it queued: the notice to the other person and offers for the freed place."""
        with unit_of_work(self.sessions) as s:
            pairing = s.get(Pairing, gone.pairing_id)
            if pairing is None or pairing.team_id != gone.team_id or pairing.status != PairingStatus.ACTIVE:
                return []
            members = (pairing.mentee_user_id, pairing.mentor_user_id)
        if gone.target is not None and gone.target not in members:
            # A note about the pair to someone else (an owner): their absence says nothing about the pair.
            return []
        who = gone.target or self._find_gone(gone.team_id, members)
        if who is None:
            log.error(
                "pair %s: a send failed with %s but both members still look reachable", gone.pairing_id, gone.error
            )
            return []
        ids = self._step_out(gone, who, now)
        log.warning("pair %s ended: %s is unreachable (%s)", gone.pairing_id, who, gone.error)
        return ids

    @retry_on_conflict
    def _step_out(self, gone: Unreachable, who: str, now: datetime) -> DeliveryIds:
        """Someone who can't be reached steps out of everything, as if they had left: their other pairs end
        too, nobody is asked to mentor them, and they are asked to mentor nobody."""
        with unit_of_work(self.sessions) as s:
            pairing = s.get(Pairing, gone.pairing_id)
            if pairing is None or pairing.status != PairingStatus.ACTIVE:
                return []
            _summary, ids = step_out(s, gone.team_id, who, EndReason.UNREACHABLE, now)
        return ids

    def _find_gone(self, team_id: str, members: tuple[str, str]) -> str | None:
        for user_id in members:
            try:
                info = self.gateway.to(team_id).user_info(user_id)
            except SlackFailure as exc:
                if exc.token_refused:
                    return None  # Slack can't say who is gone while it refuses the bot's own token
                if exc.permanent:
                    return user_id
                continue
            if info.get("deleted"):
                return user_id
        return None

"""Pairings: ending one (which frees the mentor's place for whoever waits), and where a person stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.matching.proposals import DeliveryIds, free_place
from bot.pairing import messages
from bot.storage.database import reading, rows_changed
from bot.storage.models import CheckIn, MentoringRequest, MentorProfile, Pairing
from bot.storage.statuses import (
    OPEN_REQUEST_STATUSES,
    CheckInStatus,
    DeliveryKind,
    EndReason,
    PairingStatus,
)


def end_pairing(
    s: Session, pairing: Pairing, status: PairingStatus, reason: EndReason, now: datetime
) -> DeliveryIds | None:
    """Ends an active pairing: closes its open check-in and frees the mentor's place for whoever waits.

    Returns the deliveries that queued, or None when the pairing had already ended.
    """
    ended = s.execute(
        update(Pairing)
        .where(Pairing.id == pairing.id, Pairing.status == PairingStatus.ACTIVE)
        .values(status=status, ended_at=now, end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if not rows_changed(ended):
        return None
    pairing.status, pairing.ended_at, pairing.end_reason = status, now, reason
    s.execute(
        update(CheckIn)
        .where(CheckIn.pairing_id == pairing.id, CheckIn.status == CheckInStatus.OPEN)
        .values(status=CheckInStatus.CLOSED)
        .execution_options(synchronize_session=False)
    )
    return free_place(s, pairing.mentor_profile_id, now)


def end_and_tell(s: Session, pairing: Pairing, gone_user: str, reason: EndReason, now: datetime) -> DeliveryIds:
    """Ends the pairing early because `gone_user` left it, and tells the other person kindly."""
    freed = end_pairing(s, pairing, PairingStatus.ENDED, reason, now)
    if freed is None:
        return []
    other = pairing.mentor_user_id if gone_user == pairing.mentee_user_id else pairing.mentee_user_id
    told = outbox.enqueue(
        s,
        team_id=pairing.team_id,
        key=f"ended:{pairing.id}:{other}",
        kind=DeliveryKind.PAIRING_ENDED,
        payload=messages.pairing_ended_notice(gone_user, reason),
        target=other,
        now=now,
    )
    return [told, *freed]


@dataclass(frozen=True)
class Standing:
    """Where one person stands: their active pairs on each side, open requests and mentor places."""

    as_mentee: list[Pairing]
    as_mentor: list[Pairing]
    open_requests: list[MentoringRequest]
    mentor_capacity: int  # places offered across programs; 0 when not a mentor
    mentor_load: int


# `/mentor status` is the most frequent read: its statements are built once, not per request.
_ACTIVE_PAIRINGS_OF = (
    select(Pairing)
    .where(
        Pairing.team_id == bindparam("team"),
        Pairing.status == PairingStatus.ACTIVE,
        or_(Pairing.mentor_user_id == bindparam("user"), Pairing.mentee_user_id == bindparam("user")),
    )
    .order_by(Pairing.started_at)
)
_OPEN_REQUESTS_OF = (
    select(MentoringRequest)
    .where(
        MentoringRequest.team_id == bindparam("team"),
        MentoringRequest.mentee_user_id == bindparam("user"),
        MentoringRequest.status.in_(OPEN_REQUEST_STATUSES),
    )
    .order_by(MentoringRequest.created_at)
)
_ACTIVE_PROFILES_OF = select(MentorProfile).where(
    MentorProfile.team_id == bindparam("team"),
    MentorProfile.user_id == bindparam("user"),
    MentorProfile.active.is_(True),
)


class Pairings:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def standing(self, team_id: str, user_id: str) -> Standing:
        """Where a person stands (`/mentor status`), read without taking a write lock."""
        who = {"team": team_id, "user": user_id}
        with reading(self.sessions) as s:
            pairings = list(s.scalars(_ACTIVE_PAIRINGS_OF, who))
            requests = list(s.scalars(_OPEN_REQUESTS_OF, who))
            profiles = list(s.scalars(_ACTIVE_PROFILES_OF, who))
        return Standing(
            as_mentee=[p for p in pairings if p.mentee_user_id == user_id],
            as_mentor=[p for p in pairings if p.mentor_user_id == user_id],
            open_requests=requests,
            mentor_capacity=sum(p.capacity for p in profiles),
            mentor_load=sum(p.load for p in profiles),
        )

"""Pairings: ending one (which frees the mentor's place for whoever waits), and where a person stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, exists, or_, select, union_all, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.matching.proposals import DeliveryIds, free_place, open_program, retry_waiting
from bot.matching.requests import copy_request
from bot.pairing import messages
from bot.storage.database import constant, reading, rows_changed
from bot.storage.models import CheckIn, MentoringRequest, MentorProfile, Pairing, Person, Program, Proposal
from bot.storage.statuses import (
    OPEN_REQUEST_STATUSES,
    CheckInStatus,
    DeliveryKind,
    EndReason,
    PairingStatus,
    ProposalStatus,
)

# How many ended pairings `/mentor status` and the App Home recall, newest first.
RECENT_ENDINGS = 3


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
        .values(status=CheckInStatus.CLOSED, remind_at=None)
        .execution_options(synchronize_session=False)
    )
    return free_place(s, pairing.mentor_profile_id, now)


def end_and_tell(s: Session, pairing: Pairing, gone_user: str, reason: EndReason, now: datetime) -> DeliveryIds:
    """Ends the pairing early because `gone_user` left it, and tells the other person kindly.

    A mentee whose mentor is gone is not left stranded: their goals go out again at once, and the
    notice says so. Nobody has to ask: they lost their mentor through no choice of their own.
    """
    freed = end_pairing(s, pairing, PairingStatus.ENDED, reason, now)
    if freed is None:
        return []
    if gone_user == pairing.mentee_user_id:
        return [
            _tell(s, pairing, pairing.mentor_user_id, messages.pairing_ended_notice(gone_user, reason), now),
            *freed,
        ]
    previous = s.get(MentoringRequest, pairing.request_id)
    assert previous is not None
    program = open_program(s, pairing.team_id, pairing.program_id)
    notice = messages.mentor_gone_notice(gone_user, reason, looking=program is not None)
    told = _tell(s, pairing, pairing.mentee_user_id, notice, now)
    # After the notice, so that the mentee reads what happened before who has been asked.
    again = _requeue(s, previous, program, now) if program is not None else []
    return [told, *freed, *again]


def _tell(s: Session, pairing: Pairing, user_id: str, payload: dict[str, object], now: datetime) -> int | None:
    return outbox.enqueue(
        s,
        team_id=pairing.team_id,
        key=f"ended:{pairing.id}:{user_id}",
        kind=DeliveryKind.PAIRING_ENDED,
        payload=payload,
        target=user_id,
        now=now,
    )


def _requeue(s: Session, previous: MentoringRequest, program: Program, now: datetime) -> DeliveryIds:
    """The mentee's request again, with the same goals, offered the program's free places like any
    waiting request. It is a rematch's copy, so a later "Find me a new mentor" adds nothing.

    No "your request is in" note: the notice that comes first already says what happens next.
    """
    if copy_request(s, previous, now) is None:
        return []
    return retry_waiting(s, program, now)


@dataclass(frozen=True)
class Places:
    """A mentor's places in one program: how many they offer and how many are taken."""

    program: str
    capacity: int
    load: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.load, 0)


@dataclass(frozen=True)
class Standing:
    """Where one person stands: their active pairs on each side, open requests and mentor places."""

    as_mentee: list[Pairing]
    as_mentor: list[Pairing]
    open_requests: list[MentoringRequest]
    # The places they offer as a mentor, one entry per program, in program order.
    places: list[Places] = field(default_factory=list)
    # Their latest pairings that ended or completed, newest first.
    ended: list[Pairing] = field(default_factory=list)
    # Set while their own pause lasts; and the latest pause of anyone they are paired with, by user.
    paused_until: datetime | None = None
    partners_paused: dict[str, datetime] = field(default_factory=dict)
    user_id: str = ""
    # The pending proposal of each open request that has one, by request id: who was asked, and why.
    asked: dict[int, Proposal] = field(default_factory=dict)

    def has_pairs(self) -> bool:
        return bool(self.as_mentee or self.as_mentor)

    @property
    def mentor_capacity(self) -> int:
        """Places offered across programs; 0 when not a mentor."""
        return sum(p.capacity for p in self.places)

    def paused_at(self, pairing: Pairing, at: datetime | None) -> datetime | None:
        """When a pause that holds this pair's check-in at `at` ends (either person's), else None."""
        if at is None:
            return None
        pauses = [
            self.paused_until,
            *(self.partners_paused.get(u) for u in (pairing.mentee_user_id, pairing.mentor_user_id)),
        ]
        holding = [p for p in pauses if p is not None and p > at]
        return max(holding) if holding else None


# `/mentor status` is the most frequent read: its statements are built once, not per request, and use
# no IN list of constants, which SQLAlchemy would render into the SQL again at every execution; their
# statuses are constants of the SQL text (see `constant`).
# The person's pairs on either side, each side by its own index (an OR of the two would read the
# workspace's pairs one by one).
_PAIRINGS_OF_PERSON = Pairing.id.in_(
    union_all(
        select(Pairing.id).where(Pairing.team_id == bindparam("team"), Pairing.mentor_user_id == bindparam("user")),
        select(Pairing.id).where(Pairing.team_id == bindparam("team"), Pairing.mentee_user_id == bindparam("user")),
    )
)
_ACTIVE_PAIRINGS_OF = (
    select(Pairing)
    .where(_PAIRINGS_OF_PERSON, Pairing.status == constant(PairingStatus.ACTIVE))
    .order_by(Pairing.started_at)
)
_OPEN_REQUESTS_OF = (
    select(MentoringRequest)
    .where(
        MentoringRequest.team_id == bindparam("team"),
        MentoringRequest.mentee_user_id == bindparam("user"),
        or_(*(MentoringRequest.status == constant(status) for status in OPEN_REQUEST_STATUSES)),
    )
    .order_by(MentoringRequest.created_at)
)
_PLACES_OF = (
    select(Program.name, MentorProfile.capacity, MentorProfile.load)
    .join(Program, Program.id == MentorProfile.program_id)
    .where(
        MentorProfile.team_id == bindparam("team"),
        MentorProfile.user_id == bindparam("user"),
        MentorProfile.active.is_(True),
        MentorProfile.capacity > constant(0),
    )
    .order_by(Program.id)
)
_ENDED_PAIRINGS_OF = (
    select(Pairing)
    .where(_PAIRINGS_OF_PERSON, Pairing.status != constant(PairingStatus.ACTIVE))  # ended or completed
    .order_by(Pairing.ended_at.desc(), Pairing.id.desc())
    .limit(RECENT_ENDINGS)
)


def _on_either_side(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """Whether the person has a pair matching `where` on either side, each side looked up by its own index."""
    return or_(
        exists().where(Pairing.team_id == bindparam("team"), Pairing.mentor_user_id == bindparam("user"), *where),
        exists().where(Pairing.team_id == bindparam("team"), Pairing.mentee_user_id == bindparam("user"), *where),
    )


# Which of the four a person has at all, and their own pause, in one statement: most people hold one
# or two of them, and each query of an entity costs far more than the database's own work. Each is a
# plain EXISTS on an index.
_WHAT_THEY_HOLD = select(
    _on_either_side(Pairing.status == constant(PairingStatus.ACTIVE)),
    _OPEN_REQUESTS_OF.order_by(None).with_only_columns(MentoringRequest.id).exists(),
    _PLACES_OF.order_by(None).with_only_columns(MentorProfile.id).exists(),
    _on_either_side(Pairing.status != constant(PairingStatus.ACTIVE)),
    select(Person.paused_until)
    .where(Person.team_id == bindparam("team"), Person.user_id == bindparam("user"))
    .scalar_subquery(),
)


class Pairings:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def standing(self, team_id: str, user_id: str, now: datetime | None = None) -> Standing:
        """Where a person stands (`/mentor status`), read without taking a write lock. With `now`, pauses
        still running then are read too."""
        who = {"team": team_id, "user": user_id}
        with reading(self.sessions) as s:
            active, waiting, offering, ended_any, own_pause = s.execute(_WHAT_THEY_HOLD, who).one()
            pairings = list(s.scalars(_ACTIVE_PAIRINGS_OF, who)) if active else []
            requests = list(s.scalars(_OPEN_REQUESTS_OF, who)) if waiting else []
            places = [Places(*row) for row in s.execute(_PLACES_OF, who)] if offering else []
            ended = list(s.scalars(_ENDED_PAIRINGS_OF, who)) if ended_any else []
            asked = {
                p.request_id: p
                for p in (
                    s.scalars(
                        select(Proposal).where(
                            Proposal.request_id.in_([r.id for r in requests]),
                            Proposal.status == constant(ProposalStatus.PENDING),
                        )
                    )
                    if requests
                    else ()
                )
            }
            pauses: dict[str, datetime] = {}
            if now is not None and own_pause is not None and own_pause > now:
                pauses[user_id] = own_pause
            if now is not None and pairings:
                people = ({p.mentee_user_id for p in pairings} | {p.mentor_user_id for p in pairings}) - {user_id}
                pauses |= {
                    person: until
                    for person, until in s.execute(
                        select(Person.user_id, Person.paused_until).where(
                            Person.team_id == team_id, Person.user_id.in_(people), Person.paused_until > now
                        )
                    )
                    if until is not None
                }
        return Standing(
            as_mentee=[p for p in pairings if p.mentee_user_id == user_id],
            as_mentor=[p for p in pairings if p.mentor_user_id == user_id],
            open_requests=requests,
            places=places,
            ended=ended,
            paused_until=pauses.pop(user_id, None),
            partners_paused=pauses,
            user_id=user_id,
            asked=asked,
        )

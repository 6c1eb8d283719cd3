"""Lists for mentees to choose their mentor from: why a list is sent, sending it, and news when none can be.

Called by bot.matching.proposals inside its caller's transaction, in programs where mentees choose. A
list holds no mentor's place: one is reserved only when the mentee picks (bot.matching.choices). Each
list is a row (`MentorChoice`) and one message keyed by it, so a retry or a second look sends it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.matching.choice_view import NEWS, Lead, Option, Turn, choice_message, waiting_after
from bot.matching.scoring import Match
from bot.storage.models import Delivery, MentorChoice, MentoringRequest, MentorProfile, Person, Program, Proposal
from bot.storage.statuses import ChoiceStatus, DeliveryKind, ProgramKind, ProposalStatus, RequestStatus

# How many of their best matches a mentee chooses from.
SHOWN = 3


def choice_key(choice_id: int) -> str:
    return f"choice:{choice_id}"


def news_key(choice_id: int) -> str:
    """The note telling a mentee what became of the mentor they chose from this list, when no list followed."""
    return f"choice:{choice_id}:news"


def passed_over(s: Session, request_ids: list[int]) -> dict[int, set[str]]:
    """The mentors each request's mentee chose none of from a list: never listed or asked for that request again."""
    lists = list(
        s.execute(
            select(MentorChoice.request_id, MentorChoice.profile_ids).where(
                MentorChoice.request_id.in_(request_ids), MentorChoice.status == ChoiceStatus.PASSED
            )
        ).all()
    )
    if not lists:
        return {}
    profiles = {int(i) for _, ids in lists for i in ids}
    users = dict(s.execute(select(MentorProfile.id, MentorProfile.user_id).where(MentorProfile.id.in_(profiles))).all())
    passed: dict[int, set[str]] = {}
    for request_id, ids in lists:
        passed.setdefault(request_id, set()).update(users[int(i)] for i in ids if int(i) in users)
    return passed


def keys_naming(s: Session, team_id: str, user_id: str) -> list[str]:
    """The keys of our copies of every list, and every news of a pick, that may name this mentor: all those of
    a request one of whose lists offered them (the list after a pick names the mentor picked). They are
    about them, and are blanked when they are erased. A list asked for as a broader match is keyed by its
    request (see bot.matching.proposals.broader_key)."""
    profiles = set(
        s.scalars(select(MentorProfile.id).where(MentorProfile.team_id == team_id, MentorProfile.user_id == user_id))
    )
    if not profiles:
        return []
    lists = s.execute(
        select(MentorChoice.id, MentorChoice.request_id, MentorChoice.profile_ids).where(
            MentorChoice.team_id == team_id
        )
    ).all()
    requests = {request_id for _, request_id, ids in lists if profiles & {int(i) for i in ids}}
    keys = [f"request:{request_id}:broader" for request_id in requests]
    for choice_id, request_id, _ in lists:
        if request_id in requests:
            keys += [choice_key(choice_id), news_key(choice_id)]
    return keys


def _latest(s: Session, request_id: int) -> MentorChoice | None:
    return s.scalar(
        select(MentorChoice).where(MentorChoice.request_id == request_id).order_by(MentorChoice.id.desc()).limit(1)
    )


def _told(s: Session, team_id: str, key: str) -> bool:
    return bool(s.scalar(select(exists().where(Delivery.team_id == team_id, Delivery.key == key))))


def turn_for(s: Session, request: MentoringRequest, opening: bool = False, broader: bool = False) -> Turn:
    """Why the mentee is choosing now, read from their last list and what became of the mentor they chose."""
    if broader:
        return Turn(Lead.BROADER)
    previous = _latest(s, request.id)
    if previous is None or previous.status == ChoiceStatus.OPEN:
        return Turn(Lead.NEW if opening else Lead.AGAIN)
    if previous.status == ChoiceStatus.PASSED:
        return Turn(Lead.PASSED, previous_id=previous.id)
    if _told(s, request.team_id, news_key(previous.id)):
        return Turn(Lead.AGAIN)
    profile = s.get(MentorProfile, previous.picked_profile_id) if previous.picked_profile_id else None
    if profile is None or not profile.active:
        return Turn(Lead.GONE, previous_id=previous.id)
    if previous.status == ChoiceStatus.REPLACED:
        lead = Lead.FULL if profile.load >= profile.capacity else Lead.CHANGED
        return Turn(lead, profile.user_id, previous.id)
    answer = s.scalar(
        select(Proposal.status).where(
            Proposal.request_id == request.id, Proposal.mentor_profile_id == previous.picked_profile_id
        )
    )
    lead = Lead.DECLINED if answer == ProposalStatus.DECLINED else Lead.UNANSWERED
    return Turn(lead, profile.user_id, previous.id)


def send_list(
    s: Session,
    request: MentoringRequest,
    program: Program,
    matches: Sequence[Match],
    turn: Turn,
    now: datetime,
    key: str | None = None,
) -> list[int | None]:
    """Offers the mentee these mentors (best first) to choose from. `key` names the message instead of the
    list's own key (the first list after asking for a broader match records that choice)."""
    s.execute(
        update(MentorChoice)
        .where(MentorChoice.request_id == request.id, MentorChoice.status == ChoiceStatus.OPEN)
        .values(status=ChoiceStatus.REPLACED, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    choice = MentorChoice(
        team_id=request.team_id,
        request_id=request.id,
        profile_ids=[m.offer.profile_id for m in matches],
        status=ChoiceStatus.OPEN,
        created_at=now,
    )
    s.add(choice)
    request.status = RequestStatus.CHOOSING
    s.flush()
    users = [m.offer.user_id for m in matches]
    names = dict(
        s.execute(
            select(Person.user_id, Person.display_name).where(
                Person.team_id == request.team_id, Person.user_id.in_(users)
            )
        ).all()
    )
    options = [
        Option(
            m.offer.profile_id,
            m.offer.user_id,
            names.get(m.offer.user_id) or "",
            m.offer.bio,
            m.offer.topics,
            m.reasons,
        )
        for m in matches
    ]
    payload = choice_message(choice.id, options, turn, program.name, program.kind == ProgramKind.REVERSE)
    return [
        outbox.enqueue(
            s,
            team_id=request.team_id,
            key=key or choice_key(choice.id),
            kind=DeliveryKind.MENTEE_NOTE,
            payload=payload,
            target=request.mentee_user_id,
            now=now,
        )
    ]


def send_news(s: Session, request: MentoringRequest, turn: Turn, now: datetime) -> list[int | None]:
    """What became of the mentor the mentee chose, when nobody else who fits has room to be listed."""
    if turn.lead not in NEWS or turn.previous_id is None:
        return []
    return [
        outbox.enqueue(
            s,
            team_id=request.team_id,
            key=news_key(turn.previous_id),
            kind=DeliveryKind.MENTEE_NOTE,
            payload=waiting_after(turn),
            target=request.mentee_user_id,
            now=now,
        )
    ]

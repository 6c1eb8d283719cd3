"""Asking mentors: who is available, what a mentee needs, reserving and freeing a mentor's places.

Called inside the caller's transaction; each function returns the ids of the deliveries it queued.
Freeing a place (`free_place`) always offers the new room to the program's waiting requests.

In programs where mentees choose, `propose_next` sends the mentee a list of their best matches instead
(bot.matching.choice_lists), and a mentor is asked (`propose`) only once the mentee picks them.

Topics come first (bot.matching.scoring.eligible): when mentors have room but none shares any of
the mentee's topics, the mentee is asked once whether to wait or to be matched more broadly
(bot.matching.broader). Their "broader" answer is kept as the note that confirmed it, the delivery
keyed `broader_key(request)`, so every later look for a mentor for that request honours it.

Lock order, everywhere: requests (by id), then proposals, then pairings, then mentor profiles. A
caller that decides about a request locks it first (`lock_requests`); status changes are
compare-and-set, so the loser of a race sees what happened. Waiting requests are claimed with
SKIP LOCKED: one already being offered a place elsewhere is left to that transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import ColumnElement

from bot.delivery import outbox
from bot.matching import choice_lists, messages
from bot.matching import reasons as why
from bot.matching.goals import GoalFit
from bot.matching.scoring import MenteeNeeds, MentorOffer, nobody_covers, rank
from bot.storage.database import rows_changed
from bot.storage.models import Delivery, MentoringRequest, MentorProfile, Pairing, Person, Program, Proposal
from bot.storage.statuses import (
    Chooser,
    DeliveryKind,
    ProgramKind,
    ProgramStatus,
    ProposalStatus,
    RequestStatus,
)

DeliveryIds = list[int | None]


def broader_key(request_id: int) -> str:
    """The key of the note telling a mentee we are matching them more broadly: its row records that choice."""
    return f"request:{request_id}:broader"


def no_cover_key(request_id: int) -> str:
    return f"request:{request_id}:no-cover"


def chose_broader(s: Session, team_id: str, request_ids: list[int]) -> set[int]:
    """Of these requests, those whose mentee asked to be matched outside their topics."""
    if not request_ids:
        return set()
    keys = {broader_key(i): i for i in request_ids}
    found = s.scalars(select(Delivery.key).where(Delivery.team_id == team_id, Delivery.key.in_(list(keys))))
    return {keys[k] for k in found}


def holds_for_cohort(program: Program, now: datetime) -> bool:
    """Before a program's cohort start, requests wait for the owners' global match."""
    return program.starts_at is not None and now < program.starts_at


def open_program(s: Session, team_id: str, program_id: int) -> Program | None:
    return s.scalar(
        select(Program).where(
            Program.id == program_id, Program.team_id == team_id, Program.status == ProgramStatus.OPEN
        )
    )


def lock_requests(s: Session, which: ColumnElement[bool]) -> list[MentoringRequest]:
    """Locks the requests `which` selects, in id order, and returns them as they are now.

    The first lock any decision about a request takes, so two decisions on one request queue up instead
    of deadlocking. Other transactions' foreign-key checks on these rows are not blocked.
    """
    return list(
        s.scalars(
            select(MentoringRequest)
            .where(which)
            .order_by(MentoringRequest.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )


def load_offers(s: Session, program: Program) -> list[MentorOffer]:
    """Every active mentor of the program with a free place, with the timezone we know for them."""
    rows = s.execute(
        select(MentorProfile, Person.tz_offset)
        .outerjoin(Person, and_(Person.team_id == MentorProfile.team_id, Person.user_id == MentorProfile.user_id))
        .where(
            MentorProfile.team_id == program.team_id,
            MentorProfile.program_id == program.id,
            MentorProfile.active.is_(True),
            MentorProfile.load < MentorProfile.capacity,
        )
    ).all()
    return [
        MentorOffer(
            profile_id=p.id,
            user_id=p.user_id,
            topics=tuple(p.topics),
            level=p.level,
            capacity=p.capacity,
            load=p.load,
            department=p.department,
            tz_offset=tz,
            open_to_reverse=p.open_to_reverse,
            bio=p.bio,
        )
        for p, tz in rows
    ]


def needs_for_many(s: Session, requests: list[MentoringRequest]) -> list[MenteeNeeds]:
    """What each request needs, for a whole cohort in three queries, not three per mentee."""
    if not requests:
        return []
    team_id = requests[0].team_id
    mentees = {r.mentee_user_id for r in requests}
    people = {
        p.user_id: p for p in s.scalars(select(Person).where(Person.team_id == team_id, Person.user_id.in_(mentees)))
    }
    excluded: dict[str, set[str]] = {}
    for mentee, mentor in s.execute(
        select(Pairing.mentee_user_id, Pairing.mentor_user_id).where(
            Pairing.team_id == team_id,
            Pairing.mentee_user_id.in_(mentees),
            # Every mentor they have had, whether the pair is active, ended early or graduated: asking
            # for a mentor again (a rematch, "Find me a new mentor") means someone new.
        )
    ):
        excluded.setdefault(mentee, set()).add(mentor)
    asked: dict[int, set[str]] = {}
    for request_id, mentor in s.execute(
        select(Proposal.request_id, Proposal.mentor_user_id).where(Proposal.request_id.in_([r.id for r in requests]))
    ):
        asked.setdefault(request_id, set()).add(mentor)
    passed = choice_lists.passed_over(s, [r.id for r in requests])
    broader = chose_broader(s, team_id, [r.id for r in requests])
    needs = []
    for r in requests:
        person = people.get(r.mentee_user_id)
        needs.append(
            MenteeNeeds(
                user_id=r.mentee_user_id,
                topics=tuple(r.topics),
                level=r.mentee_level if r.mentee_level is not None else (person.level if person else None),
                department=r.mentee_department or (person.department if person else None),
                tz_offset=person.tz_offset if person else None,
                wants_outside_team=r.wants_outside_team,
                wants_more_senior=r.wants_more_senior,
                manager_user_id=person.manager_user_id if person else None,
                excluded_user_ids=frozenset(
                    excluded.get(r.mentee_user_id, set()) | asked.get(r.id, set()) | passed.get(r.id, set())
                ),
                goals=r.goals,
                broader=r.id in broader,
            )
        )
    return needs


def mentee_chooses(program: Program) -> bool:
    return program.who_chooses == Chooser.MENTEE


def _reserve_place(s: Session, profile_id: int) -> bool:
    """Takes one of the mentor's places, if one is still free (checked in the database, so races cannot overfill)."""
    reserved = s.execute(
        update(MentorProfile)
        .where(
            MentorProfile.id == profile_id,
            MentorProfile.active.is_(True),
            MentorProfile.load < MentorProfile.capacity,
        )
        .values(load=MentorProfile.load + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(rows_changed(reserved))


def _give_back(s: Session, profile_id: int) -> None:
    s.execute(
        update(MentorProfile)
        .where(MentorProfile.id == profile_id, MentorProfile.load > 0)
        .values(load=MentorProfile.load - 1)
        .execution_options(synchronize_session=False)
    )


def _offer_room(s: Session, profile_ids: set[int], now: datetime) -> DeliveryIds:
    programs = s.scalars(
        select(Program).where(
            Program.id.in_(select(MentorProfile.program_id).where(MentorProfile.id.in_(profile_ids))),
            Program.status == ProgramStatus.OPEN,
        )
    )
    return [i for program in programs for i in retry_waiting(s, program, now)]


def free_place(s: Session, profile_id: int, now: datetime) -> DeliveryIds:
    """Gives back one of the mentor's places and offers the room to the program's waiting requests."""
    _give_back(s, profile_id)
    return _offer_room(s, {profile_id}, now)


def propose(
    s: Session,
    request: MentoringRequest,
    program: Program,
    offer: MentorOffer,
    score: float,
    reasons: list[str],
    now: datetime,
    opening: bool = False,
    chosen: bool = False,
) -> DeliveryIds | None:
    """Asks this mentor, or returns None when their last place was taken meanwhile. `opening` when
    this answers the request the mentee just made (see `messages.mentee_asked_note`); `chosen` when the
    mentee picked this mentor from a list, which then says who was asked instead of a note."""
    if not _reserve_place(s, offer.profile_id):
        return None
    broader = why.is_broader(reasons)
    proposal = Proposal(
        team_id=request.team_id,
        request_id=request.id,
        mentor_profile_id=offer.profile_id,
        mentor_user_id=offer.user_id,
        score=score,
        reasons=reasons,
        status=ProposalStatus.PENDING,
        created_at=now,
    )
    s.add(proposal)
    request.status = RequestStatus.PROPOSED
    s.flush()
    asked = outbox.enqueue(
        s,
        team_id=request.team_id,
        key=f"proposal:{proposal.id}",
        kind=DeliveryKind.PROPOSAL,
        payload=messages.proposal_message(proposal, request, program, chosen),
        target=proposal.mentor_user_id,
        now=now,
    )
    if chosen:
        return [asked]
    return [
        asked,
        outbox.enqueue(
            s,
            team_id=request.team_id,
            key=broader_key(request.id) if broader else f"request:{request.id}:asked",
            kind=DeliveryKind.MENTEE_NOTE,
            payload=messages.mentee_asked_note(reasons, opening),
            target=request.mentee_user_id,
            now=now,
        ),
    ]


def propose_next(
    s: Session,
    request: MentoringRequest,
    program: Program,
    now: datetime,
    offers: list[MentorOffer] | None = None,
    broader: bool = False,
    opening: bool = False,
) -> DeliveryIds:
    """Asks the best available mentor (or, where mentees choose, sends the mentee their best matches to
    choose from), or leaves the request waiting and tells the mentee.

    When mentors have room but none covers any of the mentee's topics, the mentee is asked to choose
    (wait, or a broader match) unless they already chose broader, or `broader` says they just did.
    """
    if holds_for_cohort(program, now):
        request.status = RequestStatus.WAITING
        assert program.starts_at is not None
        return [
            outbox.enqueue(
                s,
                team_id=request.team_id,
                key=f"request:{request.id}:cohort",
                kind=DeliveryKind.MENTEE_NOTE,
                payload=messages.mentee_cohort_note(program.starts_at, opening),
                target=request.mentee_user_id,
                now=now,
            )
        ]
    offers = load_offers(s, program) if offers is None else offers
    [needs] = needs_for_many(s, [request])
    # A broader match chosen just now is recorded by the first message it sends (see `broader_key`).
    record_broader = broader and not needs.broader
    if broader:
        needs = replace(needs, broader=True)
    reverse = program.kind == ProgramKind.REVERSE
    ranked = rank(needs, offers, reverse, GoalFit([needs], offers).of(0))
    choosing = mentee_chooses(program)
    turn = choice_lists.turn_for(s, request, opening, broader) if choosing else None
    if turn is not None and ranked:
        key = broader_key(request.id) if record_broader else None
        return choice_lists.send_list(s, request, program, ranked[: choice_lists.SHOWN], turn, now, key)
    for match in ranked:
        index = offers.index(match.offer)
        queued = propose(s, request, program, match.offer, match.score, list(match.reasons), now, opening)
        if queued is None:
            offers[index] = replace(match.offer, load=match.offer.capacity)
            continue
        offers[index] = replace(match.offer, load=match.offer.load + 1)
        return queued
    request.status = RequestStatus.WAITING
    # Where mentees choose, news of the mentor they chose comes first (a decline, a lapse, a place gone).
    told = choice_lists.send_news(s, request, turn, now) if turn is not None else []
    if not needs.broader and nobody_covers(needs, offers, reverse):
        key, payload = no_cover_key(request.id), messages.no_cover_choice(request)
    elif broader:
        key, payload = broader_key(request.id), messages.mentee_broader_waiting_note(choosing)
    elif told:
        return told
    else:
        key, payload = f"request:{request.id}:waiting", messages.mentee_waiting_note(opening, choosing)
    return told + [
        outbox.enqueue(
            s,
            team_id=request.team_id,
            key=key,
            kind=DeliveryKind.MENTEE_NOTE,
            payload=payload,
            target=request.mentee_user_id,
            now=now,
        )
    ]


def _claim_waiting(s: Session, program: Program, limit: int, tried: Iterable[int]) -> list[MentoringRequest]:
    """The oldest waiting requests no other transaction is offering a place to right now, locked for this one."""
    return list(
        s.scalars(
            select(MentoringRequest)
            .where(
                MentoringRequest.team_id == program.team_id,
                MentoringRequest.program_id == program.id,
                MentoringRequest.status == RequestStatus.WAITING,
                MentoringRequest.id.not_in(list(tried)),
            )
            .order_by(MentoringRequest.created_at, MentoringRequest.id)
            .limit(limit)
            .with_for_update(key_share=True, skip_locked=True)
            .execution_options(populate_existing=True)
        )
    )


def retry_waiting(s: Session, program: Program, now: datetime) -> DeliveryIds:
    """Offers every free place in the program to its waiting requests, oldest first.

    Requests are claimed a batch at a time, as many as there are free places, so two mentors saving
    their profiles at once each ask for different requests, and no request is asked twice. Where mentees
    choose, a list holds no place, so each list sent counts against the room instead: one free place
    brings one list, to the mentee who has waited longest.
    """
    if holds_for_cohort(program, now):
        return []
    offers = load_offers(s, program)
    ids: DeliveryIds = []
    tried: set[int] = set()
    listed = 0
    while True:
        room = sum(max(o.remaining, 0) for o in offers) - listed
        claimed = _claim_waiting(s, program, room, tried) if room > 0 else []
        if not claimed:
            return ids
        for request in claimed:
            tried.add(request.id)
            if sum(max(o.remaining, 0) for o in offers) - listed <= 0:
                return ids
            ids += propose_next(s, request, program, now, offers)
            listed += request.status == RequestStatus.CHOOSING


def withdraw_pending(s: Session, which: ColumnElement[bool], now: datetime) -> DeliveryIds:
    """Withdraws the pending proposals `which` selects, then frees their places like `free_place`.

    A request that was waiting on one of them goes back to waiting (unless the caller already closed it)
    and takes its turn for the freed room with everyone else; if that leaves it waiting, it is looked at
    once more, so its mentee hears where it stands (where mentees choose, what became of the mentor they
    picked). Locks the requests first, then the proposals; a proposal decided meanwhile is left as it was
    decided.
    """
    pending = and_(which, Proposal.status == ProposalStatus.PENDING)
    requests = {r.id: r for r in lock_requests(s, MentoringRequest.id.in_(select(Proposal.request_id).where(pending)))}
    withdrawn: list[Proposal] = []
    put_back: list[MentoringRequest] = []
    for proposal in s.scalars(
        select(Proposal)
        .where(pending)
        .order_by(Proposal.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all():
        changed = s.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id, Proposal.status == ProposalStatus.PENDING)
            .values(status=ProposalStatus.WITHDRAWN)
            .execution_options(synchronize_session=False)
        )
        if not rows_changed(changed):
            continue
        set_committed_value(proposal, "status", ProposalStatus.WITHDRAWN)  # already written, by the CAS above
        withdrawn.append(proposal)
        request = requests.get(proposal.request_id)
        if request is not None and request.status == RequestStatus.PROPOSED:
            request.status = RequestStatus.WAITING
            put_back.append(request)
    s.flush()
    # Places go back once every proposal is settled, in profile id order, as the lock order asks.
    for proposal in sorted(withdrawn, key=lambda p: p.mentor_profile_id):
        _give_back(s, proposal.mentor_profile_id)
    ids = _offer_room(s, {p.mentor_profile_id for p in withdrawn}, now) if withdrawn else []
    for request in put_back:
        program = open_program(s, request.team_id, request.program_id)
        if request.status == RequestStatus.WAITING and program is not None:
            ids += propose_next(s, request, program, now)
    return ids

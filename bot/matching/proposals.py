"""Proposing mentors: who is available, what a mentee needs, and asking the best one.

Called inside the caller's transaction; each function returns the deliveries it queued.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.storage.database import rows_changed
from bot.matching.scoring import MenteeNeeds, MentorOffer, rank
from bot.storage.models import MentoringRequest, MentorProfile, Pairing, Person, Program, Proposal
from bot.matching import messages


def retry_waiting(s: Session, program: Program, now: datetime) -> list[int | None]:
    if holds_for_cohort(program, now):
        return []
    waiting = list(
        s.scalars(
            select(MentoringRequest)
            .where(
                MentoringRequest.team_id == program.team_id,
                MentoringRequest.program_id == program.id,
                MentoringRequest.status == "waiting",
            )
            .order_by(MentoringRequest.created_at, MentoringRequest.id)
        )
    )
    offers = load_offers(s, program) if waiting else []
    ids: list[int | None] = []
    for request in waiting:
        if not any(o.remaining > 0 for o in offers):
            break
        ids += propose_next(s, request, program, now, offers)
    return ids

def load_offers(s: Session, program: Program) -> list[MentorOffer]:
    rows = s.execute(
        select(MentorProfile, Person.tz_offset)
        .outerjoin(
            Person, and_(Person.team_id == MentorProfile.team_id, Person.user_id == MentorProfile.user_id)
        )
        .where(
            MentorProfile.team_id == program.team_id,
            MentorProfile.program_id == program.id,
            MentorProfile.active.is_(True),
            MentorProfile.load < MentorProfile.capacity,
        )
    ).all()
    return [
        MentorOffer(
            profile_id=p.id, user_id=p.user_id, topics=tuple(p.topics), level=p.level, capacity=p.capacity,
            load=p.load, department=p.department, tz_offset=tz, open_to_reverse=p.open_to_reverse,
        )
        for p, tz in rows
    ]


def needs_for(s: Session, request: MentoringRequest) -> MenteeNeeds:
    return needs_for_many(s, [request])[0]


def propose(
    s: Session, request: MentoringRequest, program: Program, offer: MentorOffer, score: float,
    reasons: list[str], now: datetime,
) -> list[int | None] | None:
    """Asks this mentor, if a place is still free (checked in the database, so races cannot overfill)."""
    reserved = s.execute(
        update(MentorProfile)
        .where(
            MentorProfile.id == offer.profile_id,
            MentorProfile.active.is_(True),
            MentorProfile.load < MentorProfile.capacity,
        )
        .values(load=MentorProfile.load + 1)
        .execution_options(synchronize_session=False)
    )
    if not rows_changed(reserved):
        return None
    proposal = Proposal(
        team_id=request.team_id, request_id=request.id, mentor_profile_id=offer.profile_id,
        mentor_user_id=offer.user_id, score=score, reasons=reasons, status="pending", created_at=now,
    )
    s.add(proposal)
    request.status = "proposed"
    s.flush()
    return [
        outbox.enqueue(
            s, team_id=request.team_id, key=f"proposal:{proposal.id}", kind="proposal",
            payload=messages.proposal_message(proposal, request, program),
            target=proposal.mentor_user_id, now=now,
        ),
        outbox.enqueue(
            s, team_id=request.team_id, key=f"request:{request.id}:asked", kind="mentee_note",
            payload=messages.mentee_asked_note(), target=request.mentee_user_id, now=now,
        ),
    ]


def holds_for_cohort(program: Program, now: datetime) -> bool:
    """Before a program's cohort start, requests wait for the owners' global match."""
    return program.starts_at is not None and now < program.starts_at


def propose_next(
    s: Session,
    request: MentoringRequest,
    program: Program,
    now: datetime,
    offers: list[MentorOffer] | None = None,
) -> list[int | None]:
    """Ask the best available mentor, or leave the request waiting. Returns deliveries to send."""
    if holds_for_cohort(program, now):
        request.status = "waiting"
        assert program.starts_at is not None
        return [
            outbox.enqueue(
                s, team_id=request.team_id, key=f"request:{request.id}:cohort", kind="mentee_note",
                payload=messages.mentee_cohort_note(program.starts_at), target=request.mentee_user_id, now=now,
            )
        ]
    offers = load_offers(s, program) if offers is None else offers
    for match in rank(needs_for(s, request), offers, reverse=program.kind == "reverse"):
        index = offers.index(match.offer)
        queued = propose(s, request, program, match.offer, match.score, list(match.reasons), now)
        if queued is None:
            offers[index] = replace(match.offer, load=match.offer.capacity)
            continue
        offers[index] = replace(match.offer, load=match.offer.load + 1)
        return queued
    request.status = "waiting"
    return [
        outbox.enqueue(
            s, team_id=request.team_id, key=f"request:{request.id}:waiting", kind="mentee_note",
            payload=messages.mentee_waiting_note(), target=request.mentee_user_id, now=now,
        )
    ]


def needs_for_many(s: Session, requests: list[MentoringRequest]) -> list[MenteeNeeds]:
    """needs_for() for a whole cohort in three queries, not three per mentee."""
    if not requests:
        return []
    team_id = requests[0].team_id
    mentees = {r.mentee_user_id for r in requests}
    people = {p.user_id: p for p in s.scalars(select(Person).where(Person.team_id == team_id,
                                                                     Person.user_id.in_(mentees)))}
    excluded: dict[str, set[str]] = {}
    for mentee, mentor in s.execute(select(Pairing.mentee_user_id, Pairing.mentor_user_id).where(
            Pairing.team_id == team_id, Pairing.mentee_user_id.in_(mentees),
            Pairing.status.in_(("active", "ended")))):
        excluded.setdefault(mentee, set()).add(mentor)
    asked: dict[int, set[str]] = {}
    for request_id, mentor in s.execute(select(Proposal.request_id, Proposal.mentor_user_id).where(
            Proposal.request_id.in_([r.id for r in requests]))):
        asked.setdefault(request_id, set()).add(mentor)
    needs = []
    for r in requests:
        person = people.get(r.mentee_user_id)
        needs.append(MenteeNeeds(
            user_id=r.mentee_user_id,
            topics=tuple(r.topics),
            level=r.mentee_level if r.mentee_level is not None else (person.level if person else None),
            department=r.mentee_department or (person.department if person else None),
            tz_offset=person.tz_offset if person else None,
            wants_outside_team=r.wants_outside_team,
            wants_more_senior=r.wants_more_senior,
            manager_user_id=person.manager_user_id if person else None,
            excluded_user_ids=frozenset(excluded.get(r.mentee_user_id, set()) | asked.get(r.id, set())),
        ))
    return needs

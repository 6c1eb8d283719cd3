"""/mentor match: preview the best global assignment for a program's waiting requests, then publish it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.matching import messages, proposals
from bot.matching.assignment import NO_ELIGIBLE_MENTOR, CohortScores, assign_dense, assign_sparse
from bot.matching.scoring import covers_any, nobody_covers, score
from bot.programs.owners import Owners
from bot.storage.database import rows_changed, unit_of_work
from bot.storage.models import CohortPlan, MentoringRequest, MentorProfile, Program
from bot.storage.statuses import CohortPlanStatus, DeliveryKind, ProgramKind, RequestStatus

# Above this many (mentee, place) cells the exact dense solver gives way to the sparse one.
DENSE_LIMIT = 2_000_000
# The kinds of edit an owner makes to a draft plan (bot.matching.cohort_edits).
REMOVE, SWAP, MOVE = "remove", "swap", "move"
NO_COVER = "no mentor with room covers any of their topics; they'll be asked whether to wait or be matched more broadly"


@dataclass(frozen=True)
class PlannedPair:
    mentee_user_id: str
    mentor_user_id: str
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class EditNote:
    """One owner's edit of a draft plan, in people: who was removed, swapped or given another mentor."""

    kind: str  # REMOVE, SWAP or MOVE
    mentees: list[str]
    mentors: list[str]  # the mentors before the edit: one per mentee, and for MOVE the new mentor last
    before: float  # the plan's total score before and after the edit
    after: float


@dataclass(frozen=True)
class Preview:
    plan_id: int | None
    pairs: list[PlannedPair]
    unmatched: list[tuple[str, str]]  # (mentee, why)
    total_score: float
    # How many edits the plan has had: a click on an older preview is answered with the current one.
    version: int = 0
    edits: list[EditNote] = field(default_factory=list)
    editable: bool = True  # a draft an owner may still edit and publish


def preview_of(s: Session, plan: CohortPlan) -> Preview:
    """The stored plan as its preview shows it, with every edit made to it so far."""
    request_ids = [a["request_id"] for a in plan.assignments] + [u["request_id"] for u in plan.unmatched]
    request_ids += [i for e in plan.edits for i in e["requests"]]
    mentees = dict(
        s.execute(
            select(MentoringRequest.id, MentoringRequest.mentee_user_id).where(MentoringRequest.id.in_(request_ids))
        ).all()
    )
    profile_ids = [i for e in plan.edits for i in e["profiles"]]
    mentors = dict(
        s.execute(select(MentorProfile.id, MentorProfile.user_id).where(MentorProfile.id.in_(profile_ids))).all()
    )
    pairs = [
        PlannedPair(mentees.get(a["request_id"], ""), a["mentor_user_id"], a["score"], list(a["reasons"]))
        for a in plan.assignments
    ]
    edits = [
        EditNote(
            e["kind"],
            [mentees.get(i, "") for i in e["requests"]],
            [mentors.get(i, "") for i in e["profiles"]],
            e["before"],
            e["after"],
        )
        for e in plan.edits
    ]
    return Preview(
        plan.id,
        pairs,
        [(mentees.get(u["request_id"], ""), u["why"]) for u in plan.unmatched],
        plan.total_score,
        version=len(plan.edits),
        edits=edits,
        editable=plan.status == CohortPlanStatus.DRAFT,
    )


def assignment(
    request_id: int, offer_profile_id: int, mentor_user_id: str, score: float, reasons: list[str]
) -> dict[str, Any]:
    """One planned pair, as a plan stores it."""
    return {
        "request_id": request_id,
        "profile_id": offer_profile_id,
        "mentor_user_id": mentor_user_id,
        "score": score,
        "reasons": reasons,
    }


class PublishResult(StrEnum):
    PUBLISHED = "published"
    ALREADY = "already"  # published before, from another click or replica
    NOT_FOUND = "not_found"
    NOT_OWNER = "not_owner"


@dataclass(frozen=True)
class Published:
    result: PublishResult
    proposed: int = 0
    skipped: int = 0  # the request or the mentor's place changed since the preview
    left: int = 0  # mentees still waiting after it, each told why and what happens next


class Cohorts:
    """Cohort plans, for program owners only: each method checks the owner rule itself."""

    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher, owners: Owners):
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.owners = owners

    def preview(self, team_id: str, user_id: str, program: Program, now: datetime) -> Preview | None:
        """The best global assignment of the program's waiting requests, stored as a draft plan; None for non-owners."""
        if not self.owners.may_run(team_id, user_id, program, now):
            return None
        with unit_of_work(self.sessions) as s:
            requests = list(
                s.scalars(
                    select(MentoringRequest)
                    .where(
                        MentoringRequest.team_id == team_id,
                        MentoringRequest.program_id == program.id,
                        MentoringRequest.status == RequestStatus.WAITING,
                    )
                    .order_by(MentoringRequest.created_at, MentoringRequest.id)
                )
            )
            if not requests:
                return Preview(None, [], [], 0.0)
            offers = proposals.load_offers(s, program)
            needs = proposals.needs_for_many(s, requests)
            reverse = program.kind == ProgramKind.REVERSE
            scores = CohortScores(needs, offers, reverse)
            places = int(scores.places.sum())
            solved = assign_dense(scores) if len(requests) * places <= DENSE_LIMIT else assign_sparse(scores)
            pairs, assignments = [], []
            fits = scores.goal_fits([p.mentee for p in solved.picks], [p.mentor for p in solved.picks])
            for pick, fit in zip(solved.picks, fits, strict=True):
                request, offer = requests[pick.mentee], offers[pick.mentor]
                reasons = list(score(needs[pick.mentee], offer, reverse, fit).reasons)
                pairs.append(PlannedPair(request.mentee_user_id, offer.user_id, pick.score, reasons))
                assignments.append(assignment(request.id, offer.profile_id, offer.user_id, pick.score, reasons))
            unmatched = [
                (
                    requests[i],
                    NO_COVER if why == NO_ELIGIBLE_MENTOR and nobody_covers(needs[i], offers, reverse) else why,
                )
                for i, why in sorted(solved.unmatched.items())
            ]
            plan = CohortPlan(
                team_id=team_id,
                program_id=program.id,
                created_by=user_id,
                assignments=assignments,
                total_score=solved.total_score,
                status=CohortPlanStatus.DRAFT,
                created_at=now,
                unmatched=[{"request_id": r.id, "why": why} for r, why in unmatched],
                edits=[],
            )
            s.add(plan)
            s.flush()
            left = [(r.mentee_user_id, why) for r, why in unmatched]
            return Preview(plan.id, pairs, left, solved.total_score)

    def publish(self, team_id: str, user_id: str, plan_id: int, now: datetime) -> Published:
        """Sends the plan's proposals through the usual Accept/Decline flow, once."""
        with unit_of_work(self.sessions) as s:
            plan = s.scalar(select(CohortPlan).where(CohortPlan.id == plan_id, CohortPlan.team_id == team_id))
            program = s.get(Program, plan.program_id) if plan is not None else None
        if plan is None or program is None:
            return Published(PublishResult.NOT_FOUND)
        if not self.owners.may_run(team_id, user_id, program, now):
            return Published(PublishResult.NOT_OWNER)
        with unit_of_work(self.sessions) as s:
            won = s.execute(
                update(CohortPlan)
                .where(CohortPlan.id == plan_id, CohortPlan.status == CohortPlanStatus.DRAFT)
                .values(status=CohortPlanStatus.PUBLISHED)
            )
            if not rows_changed(won):
                return Published(PublishResult.ALREADY)
            # As it stands now: an owner's edit that committed before this click won is what gets published.
            plan = s.scalars(
                select(CohortPlan).where(CohortPlan.id == plan_id).execution_options(populate_existing=True)
            ).one()
            offers = {o.profile_id: o for o in proposals.load_offers(s, program)}
            ids: list[int | None] = []
            skipped = 0
            for item in plan.assignments:
                request = s.get(MentoringRequest, item["request_id"])
                offer = offers.get(item["profile_id"])
                queued = None
                if request is not None and request.status == RequestStatus.WAITING and offer is not None:
                    queued = proposals.propose(s, request, program, offer, item["score"], item["reasons"], now)
                if queued is None:
                    skipped += 1
                else:
                    ids += queued
            left = self._left_waiting(s, program, plan, now)
            ids += left
        self.dispatcher.dispatch(ids, now)
        return Published(PublishResult.PUBLISHED, len(plan.assignments) - skipped, skipped, len(left))

    @staticmethod
    def _left_waiting(s: Session, program: Program, plan: CohortPlan, now: datetime) -> list[int | None]:
        """Tells each mentee the plan left waiting why, and what happens next. Once the cohort has
        started, free places are offered to them at once instead, as to any waiting request."""
        if not proposals.holds_for_cohort(program, now):
            return proposals.retry_waiting(s, program, now)
        requests = list(
            s.scalars(
                select(MentoringRequest).where(
                    MentoringRequest.team_id == program.team_id,
                    MentoringRequest.program_id == program.id,
                    MentoringRequest.status == RequestStatus.WAITING,
                )
            )
        )
        if not requests:
            return []
        offers = proposals.load_offers(s, program)
        removed = {i for e in plan.edits if e["kind"] == REMOVE for i in e["requests"]}
        return [
            outbox.enqueue(
                s,
                team_id=program.team_id,
                key=f"request:{request.id}:cohort-left:{plan.id}",
                kind=DeliveryKind.MENTEE_NOTE,
                payload=messages.cohort_left_note(
                    program, any(covers_any(needs, o) for o in offers), request.id in removed
                ),
                target=request.mentee_user_id,
                now=now,
            )
            for request, needs in zip(requests, proposals.needs_for_many(s, requests), strict=True)
        ]

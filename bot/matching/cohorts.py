"""/mentor match: preview the best global assignment for a program's waiting requests, then publish it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.matching import proposals
from bot.matching.assignment import assign_dense, assign_sparse, score_matrix
from bot.storage.database import rows_changed, unit_of_work
from bot.matching.scoring import score
from bot.storage.models import CohortPlan, MentoringRequest, Program
from bot.delivery.outbox import Dispatcher

# Above this many (mentee, place) cells the exact dense solver gives way to the sparse one.
DENSE_LIMIT = 2_000_000


@dataclass(frozen=True)
class PlannedPair:
    mentee_user_id: str
    mentor_user_id: str
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class Preview:
    plan_id: int | None
    pairs: list[PlannedPair]
    unmatched: list[tuple[str, str]]  # (mentee, why)
    total_score: float


@dataclass(frozen=True)
class Published:
    proposed: int
    skipped: int
    already: bool = False


class Cohorts:
    def __init__(self, sessions: sessionmaker[Session], dispatcher: Dispatcher):
        self.sessions = sessions
        self.dispatcher = dispatcher

    def preview(self, team_id: str, user_id: str, program: Program, now: datetime) -> Preview:
        with unit_of_work(self.sessions) as s:
            requests = list(s.scalars(
                select(MentoringRequest)
                .where(MentoringRequest.team_id == team_id, MentoringRequest.program_id == program.id,
                       MentoringRequest.status == "waiting")
                .order_by(MentoringRequest.created_at, MentoringRequest.id)
            ))
            if not requests:
                return Preview(None, [], [], 0.0)
            offers = proposals.load_offers(s, program)
            needs = proposals.needs_for_many(s, requests)
            reverse = program.kind == "reverse"
            scores = score_matrix(needs, offers, reverse)
            places = sum(max(o.remaining, 0) for o in offers)
            solved = (assign_dense(scores, offers) if len(requests) * places <= DENSE_LIMIT
                      else assign_sparse(scores, offers))
            pairs, assignments = [], []
            for pick in solved.picks:
                request, offer = requests[pick.mentee], offers[pick.mentor]
                reasons = list(score(needs[pick.mentee], offer, reverse).reasons)
                pairs.append(PlannedPair(request.mentee_user_id, offer.user_id, pick.score, reasons))
                assignments.append({"request_id": request.id, "profile_id": offer.profile_id,
                                    "mentor_user_id": offer.user_id, "score": pick.score, "reasons": reasons})
            plan = CohortPlan(team_id=team_id, program_id=program.id, created_by=user_id, assignments=assignments,
                              total_score=solved.total_score, status="draft", created_at=now)
            s.add(plan)
            s.flush()
            unmatched = [(requests[i].mentee_user_id, why) for i, why in sorted(solved.unmatched.items())]
            return Preview(plan.id, pairs, unmatched, solved.total_score)

    def program_of(self, team_id: str, plan_id: int) -> Program | None:
        with unit_of_work(self.sessions) as s:
            plan = s.scalar(select(CohortPlan).where(CohortPlan.id == plan_id, CohortPlan.team_id == team_id))
            return s.get(Program, plan.program_id) if plan else None

    def publish(self, team_id: str, plan_id: int, now: datetime) -> Published:
        """Sends the plan's proposals through the usual Accept/Decline flow, once."""
        with unit_of_work(self.sessions) as s:
            plan = s.scalar(select(CohortPlan).where(CohortPlan.id == plan_id, CohortPlan.team_id == team_id))
            if plan is None:
                return Published(0, 0, already=True)
            won = s.execute(update(CohortPlan).where(CohortPlan.id == plan.id, CohortPlan.status == "draft")
                            .values(status="published"))
            if not rows_changed(won):
                return Published(0, 0, already=True)
            program = s.get(Program, plan.program_id)
            assert program is not None
            offers = {o.profile_id: o for o in proposals.load_offers(s, program)}
            ids: list[int | None] = []
            skipped = 0
            for item in plan.assignments:
                request = s.get(MentoringRequest, item["request_id"])
                offer = offers.get(item["profile_id"])
                queued = None
                if request is not None and request.status == "waiting" and offer is not None:
                    queued = proposals.propose(s, request, program, offer, item["score"], item["reasons"], now)
                if queued is None:
                    skipped += 1
                else:
                    ids += queued
        self.dispatcher.dispatch(ids, now)
        return Published(len(plan.assignments) - skipped, skipped)

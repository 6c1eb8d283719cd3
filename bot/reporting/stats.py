"""Program statistics from SQL aggregates: every figure carries how many people it is computed from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, distinct, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from bot.storage.models import CheckIn, Feedback, MentoringRequest, MentorProfile, Pairing, Survey
from bot.storage.statuses import OPEN_REQUEST_STATUSES, CheckInAnswer, CheckInStatus, PairingStatus, RequestStatus

RECENT = timedelta(weeks=4)
CHART_WEEKS = 12
STALLED_AFTER = 3


@dataclass(frozen=True)
class Figure:
    value: float | None
    people: int


@dataclass(frozen=True)
class WeekRow:
    week: date
    sent: int
    answered: int
    met: int


@dataclass(frozen=True)
class ProgramStats:
    mentors: Figure
    mentees: Figure
    open_requests: Figure
    active_pairs: Figure
    requested: Figure
    matched: Figure
    met: Figure
    feedback: Figure
    median_hours_to_match: Figure
    response_rate: Figure
    meeting_rate: Figure
    usefulness: Figure
    confidence_first: Figure
    confidence_latest: Figure
    capacity_use: Figure
    stalled_pairs: Figure
    nps: Figure
    weekly: list[WeekRow]


def _hours_between(s: Session, start: Any, end: Any) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def _week_of(s: Session, column: Any) -> Any:
    if s.get_bind().dialect.name == "postgresql":
        return func.date_trunc("week", column)
    # SQLite: the Monday on or before the date.
    return func.date(column, literal_column("'weekday 0'"), literal_column("'-6 days'"))


def compute(s: Session, team_id: str, program_id: int, now: datetime) -> ProgramStats:
    in_program = and_(Pairing.team_id == team_id, Pairing.program_id == program_id)

    mentors, load, capacity = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(MentorProfile.load), 0),
            func.coalesce(func.sum(MentorProfile.capacity), 0),
        ).where(
            MentorProfile.team_id == team_id, MentorProfile.program_id == program_id, MentorProfile.active.is_(True)
        )
    ).one()

    r = MentoringRequest
    requested, mentees, open_requests, matched = s.execute(
        select(
            func.count(),
            func.count(distinct(r.mentee_user_id)),
            func.coalesce(func.sum(case((r.status.in_(OPEN_REQUEST_STATUSES), 1), else_=0)), 0),
            func.coalesce(func.sum(case((r.status == RequestStatus.MATCHED, 1), else_=0)), 0),
        ).where(r.team_id == team_id, r.program_id == program_id)
    ).one()

    active_pairs = s.scalar(
        select(func.count()).select_from(Pairing).where(in_program, Pairing.status == PairingStatus.ACTIVE)
    )
    met = s.scalar(
        select(func.count(distinct(CheckIn.pairing_id)))
        .join(Pairing, Pairing.id == CheckIn.pairing_id)
        .where(in_program, CheckIn.answer == CheckInAnswer.MET)
    )
    feedback = s.scalar(
        select(func.count(distinct(Feedback.pairing_id)))
        .join(Pairing, Pairing.id == Feedback.pairing_id)
        .where(in_program)
    )

    hours = _hours_between(s, r.created_at, r.matched_at)
    matched_with_time = s.scalar(
        select(func.count()).where(r.team_id == team_id, r.program_id == program_id, r.matched_at.is_not(None))
    )
    median = None
    if matched_with_time:
        middle = (
            select(hours.label("h"))
            .where(r.team_id == team_id, r.program_id == program_id, r.matched_at.is_not(None))
            .order_by(hours)
            .offset((matched_with_time - 1) // 2)
            .limit(2 - matched_with_time % 2)
            .subquery()
        )
        median = s.scalar(select(func.avg(middle.c.h)))

    recent = and_(in_program, CheckIn.due_at >= now - RECENT, CheckIn.due_at <= now)
    sent, answered, met_recent, recent_pairs = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((CheckIn.answer.is_not(None), 1), else_=0)), 0),
            func.coalesce(func.sum(case((CheckIn.answer == CheckInAnswer.MET, 1), else_=0)), 0),
            func.count(distinct(CheckIn.pairing_id)),
        )
        .join(Pairing, Pairing.id == CheckIn.pairing_id)
        .where(recent)
    ).one()

    usefulness, raters = s.execute(
        select(func.avg(cast(CheckIn.usefulness, Float)), func.count(distinct(CheckIn.answered_by)))
        .join(Pairing, Pairing.id == CheckIn.pairing_id)
        .where(in_program, CheckIn.usefulness.is_not(None))
    ).one()

    pulses = (
        select(
            CheckIn.pairing_id,
            CheckIn.confidence,
            func.row_number().over(partition_by=CheckIn.pairing_id, order_by=CheckIn.period).label("first"),
            func.row_number().over(partition_by=CheckIn.pairing_id, order_by=CheckIn.period.desc()).label("last"),
        )
        .join(Pairing, Pairing.id == CheckIn.pairing_id)
        .where(in_program, CheckIn.confidence.is_not(None))
        .subquery()
    )
    first, latest, pulsed = s.execute(
        select(
            func.avg(case((pulses.c.first == 1, cast(pulses.c.confidence, Float)))),
            func.avg(case((pulses.c.last == 1, cast(pulses.c.confidence, Float)))),
            func.count(distinct(pulses.c.pairing_id)),
        )
    ).one()

    last_met = (
        select(CheckIn.pairing_id, func.max(CheckIn.period).label("period"))
        .where(CheckIn.answer == CheckInAnswer.MET)
        .group_by(CheckIn.pairing_id)
        .subquery()
    )
    missed = aliased(CheckIn)
    stalled_ids = (
        select(missed.pairing_id)
        .join(Pairing, Pairing.id == missed.pairing_id)
        .outerjoin(last_met, last_met.c.pairing_id == missed.pairing_id)
        .where(
            in_program,
            Pairing.status == PairingStatus.ACTIVE,
            missed.status != CheckInStatus.OPEN,
            missed.period > func.coalesce(last_met.c.period, 0),
        )
        .group_by(missed.pairing_id)
        .having(func.count() >= STALLED_AFTER)
        .subquery()
    )
    stalled = s.scalar(select(func.count()).select_from(stalled_ids))

    respondents, promoters, detractors = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Survey.recommend >= 9, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Survey.recommend <= 6, 1), else_=0)), 0),
        )
        .join(Pairing, Pairing.id == Survey.pairing_id)
        .where(in_program)
    ).one()

    week = _week_of(s, CheckIn.due_at)
    weekly = [
        WeekRow(w.date() if isinstance(w, datetime) else date.fromisoformat(str(w)), n, a, m)
        for w, n, a, m in s.execute(
            select(
                week,
                func.count(),
                func.coalesce(func.sum(case((CheckIn.answer.is_not(None), 1), else_=0)), 0),
                func.coalesce(func.sum(case((CheckIn.answer == CheckInAnswer.MET, 1), else_=0)), 0),
            )
            .join(Pairing, Pairing.id == CheckIn.pairing_id)
            .where(in_program, CheckIn.due_at >= now - timedelta(weeks=CHART_WEEKS), CheckIn.due_at <= now)
            .group_by(week)
            .order_by(week)
        )
    ]

    pair_people = 2 * (active_pairs or 0)
    return ProgramStats(
        mentors=Figure(mentors, mentors),
        mentees=Figure(mentees, mentees),
        open_requests=Figure(open_requests, open_requests),
        active_pairs=Figure(active_pairs, pair_people),
        requested=Figure(requested, mentees),
        matched=Figure(matched, matched),
        met=Figure(met, 2 * (met or 0)),
        feedback=Figure(feedback, 2 * (feedback or 0)),
        median_hours_to_match=Figure(median, matched_with_time or 0),
        response_rate=Figure(answered / sent if sent else None, 2 * recent_pairs),
        meeting_rate=Figure(met_recent / sent if sent else None, 2 * recent_pairs),
        usefulness=Figure(usefulness, raters),
        confidence_first=Figure(first, pulsed),
        confidence_latest=Figure(latest, pulsed),
        capacity_use=Figure(load / capacity if capacity else None, mentors),
        stalled_pairs=Figure(stalled, pair_people),
        nps=Figure(100 * (promoters - detractors) / respondents if respondents else None, respondents),
        weekly=weekly,
    )

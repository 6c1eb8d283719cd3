"""Program statistics from SQL aggregates: every figure carries how many people it is computed from.

A program can hold 100,000 pairs and a million check-ins, so the check-ins are read along indexes
made for these figures (migration 0004), each in a single pass: every pair's check-ins in period
order for the figures that count pairs, the rated ones for usefulness, and the chart's weeks in
due-time order. The other tables are small and read once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, distinct, func, literal_column, select, text
from sqlalchemy.orm import Session, aliased

from bot.storage.models import CheckIn, Feedback, MentoringRequest, MentorProfile, Pairing, Survey
from bot.storage.statuses import OPEN_REQUEST_STATUSES, CheckInAnswer, CheckInStatus, PairingStatus, RequestStatus

RECENT = timedelta(weeks=4)
CHART_WEEKS = 12
STALLED_AFTER = 3
# A pulse is stored as period * PULSE_BASE + confidence, so that min() and max() per pair pick the
# first and the latest pulse in one pass; confidence is 1-5 (a CHECK constraint), below the base.
PULSE_BASE = 8


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


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def compute(s: Session, team_id: str, program_id: int, now: datetime) -> ProgramStats:
    if s.get_bind().dialect.name == "postgresql":
        # JIT compilation costs more than these queries take (half a second at a million check-ins,
        # measured); LOCAL keeps the setting to this transaction.
        s.execute(text("SET LOCAL jit = off"))
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
    requests = _requests(s, team_id, program_id)
    pairs = _per_pair(s, in_program, now)
    useful, rated, raters = s.execute(
        select(func.sum(CheckIn.usefulness), func.count(), func.count(distinct(CheckIn.answered_by)))
        .join(Pairing, Pairing.id == CheckIn.pairing_id)
        .where(in_program, CheckIn.usefulness.is_not(None))
    ).one()
    weekly, sent, answered, met_recent = _weekly(s, in_program, now)
    feedback = s.scalar(
        select(func.count()).where(in_program, select(Feedback.id).where(Feedback.pairing_id == Pairing.id).exists())
    )
    respondents, promoters, detractors = s.execute(
        select(func.count(), _count_if(Survey.recommend >= 9), _count_if(Survey.recommend <= 6))
        .join(Pairing, Pairing.id == Survey.pairing_id)
        .where(in_program)
    ).one()

    pair_people = 2 * pairs.active
    return ProgramStats(
        mentors=Figure(mentors, mentors),
        mentees=Figure(requests.mentees, requests.mentees),
        open_requests=Figure(requests.open, requests.open),
        active_pairs=Figure(pairs.active, pair_people),
        requested=Figure(requests.requested, requests.mentees),
        matched=Figure(requests.matched, requests.matched),
        met=Figure(pairs.met, 2 * pairs.met),
        feedback=Figure(feedback, 2 * (feedback or 0)),
        median_hours_to_match=Figure(requests.median_hours, requests.timed),
        response_rate=Figure(answered / sent if sent else None, 2 * pairs.recent),
        meeting_rate=Figure(met_recent / sent if sent else None, 2 * pairs.recent),
        # The sum of whole numbers is exact, so this is the very float AVG() gave.
        usefulness=Figure(int(useful or 0) / rated if rated else None, raters),
        confidence_first=Figure(pairs.first_pulse, pairs.pulsed),
        confidence_latest=Figure(pairs.latest_pulse, pairs.pulsed),
        capacity_use=Figure(load / capacity if capacity else None, mentors),
        stalled_pairs=Figure(pairs.stalled, pair_people),
        nps=Figure(100 * (promoters - detractors) / respondents if respondents else None, respondents),
        weekly=weekly,
    )


@dataclass(frozen=True)
class _RequestFigures:
    requested: int
    mentees: int
    open: int
    matched: int
    timed: int
    median_hours: float | None


def _requests(s: Session, team_id: str, program_id: int) -> _RequestFigures:
    """The funnel's first steps in one pass over the program's requests, then the median time to match."""
    r = MentoringRequest
    in_program = and_(r.team_id == team_id, r.program_id == program_id)
    requested, mentees, open_requests, matched, timed = s.execute(
        select(
            func.count(),
            func.count(distinct(r.mentee_user_id)),
            _count_if(r.status.in_(OPEN_REQUEST_STATUSES)),
            _count_if(r.status == RequestStatus.MATCHED),
            func.count(r.matched_at),
        ).where(in_program)
    ).one()
    median = None
    if timed:
        hours = _hours_between(s, r.created_at, r.matched_at)
        middle = (
            select(hours.label("h"))
            .where(in_program, r.matched_at.is_not(None))
            .order_by(hours)
            .offset((timed - 1) // 2)
            .limit(2 - timed % 2)
            .subquery()
        )
        median = s.scalar(select(func.avg(middle.c.h)))
    return _RequestFigures(requested, mentees, open_requests, matched, timed, median)


@dataclass(frozen=True)
class _PairFigures:
    active: int
    met: int
    recent: int
    pulsed: int
    first_pulse: float | None
    latest_pulse: float | None
    stalled: int


def _per_pair(s: Session, in_program: Any, now: datetime) -> _PairFigures:
    """One pass over the program's pairs and their check-ins, pair by pair, then sums over the pairs."""
    c = CheckIn
    pulse = c.period * PULSE_BASE + c.confidence
    per_pair = (
        select(
            Pairing.id.label("pairing_id"),
            Pairing.status.label("status"),
            func.max(c.period).filter(c.answer == CheckInAnswer.MET).label("last_met"),
            func.max(c.period).label("last_period"),
            func.min(pulse).label("first_pulse"),
            func.max(pulse).label("latest_pulse"),
            func.max(1).filter(and_(c.due_at >= now - RECENT, c.due_at <= now)).label("recent"),
        )
        .select_from(Pairing)
        .outerjoin(c, c.pairing_id == Pairing.id)
        .where(in_program)
        # Status first: it is the order of the index on the program's pairs, so no sort is needed.
        .group_by(Pairing.status, Pairing.id)
        .subquery()
    )
    # Periods are unique per pair, so a pair whose last period is fewer than STALLED_AFTER periods
    # after its last "we met" cannot be stalled; only the others have their missed check-ins counted.
    since_met = func.coalesce(per_pair.c.last_met, 0)
    missed = aliased(CheckIn)
    missed_since = (
        select(func.count())
        .where(
            missed.pairing_id == per_pair.c.pairing_id, missed.period > since_met, missed.status != CheckInStatus.OPEN
        )
        .scalar_subquery()
    )
    active = per_pair.c.status == PairingStatus.ACTIVE
    row = s.execute(
        select(
            _count_if(active),
            func.count(per_pair.c.last_met),
            func.count(per_pair.c.recent),
            func.count(per_pair.c.first_pulse),
            func.avg(cast(_confidence(per_pair.c.first_pulse), Float)),
            func.avg(cast(_confidence(per_pair.c.latest_pulse), Float)),
            _count_if(and_(active, per_pair.c.last_period - since_met >= STALLED_AFTER, missed_since >= STALLED_AFTER)),
        )
    ).one()
    # PostgreSQL sums bigints into numerics; every value here is a whole count but the two averages.
    active_pairs, met, recent, pulsed = (int(v) for v in row[:4])
    return _PairFigures(active_pairs, met, recent, pulsed, row[4], row[5], int(row[6]))


def _confidence(pulse: Any) -> Any:
    # SQL's % keeps the sign of the dividend, so this also decodes pulses of periods below 1.
    return (pulse % PULSE_BASE + PULSE_BASE) % PULSE_BASE


def _weekly(s: Session, in_program: Any, now: datetime) -> tuple[list[WeekRow], int, int, int]:
    """The chart's weeks and the last 4 weeks' totals, from the check-ins counted per due time.

    A program has a few due times a week, so the week is worked out once per due time rather than
    once per check-in.
    """
    by_due = _counts_by_due_time(s, in_program, now - timedelta(weeks=CHART_WEEKS), now)
    recent = by_due.c.due_at >= now - RECENT
    week = _week_of(s, by_due.c.due_at)
    rows = s.execute(
        select(
            week,
            func.sum(by_due.c.sent),
            func.sum(by_due.c.answered),
            func.sum(by_due.c.met),
            func.sum(case((recent, by_due.c.sent), else_=0)),
            func.sum(case((recent, by_due.c.answered), else_=0)),
            func.sum(case((recent, by_due.c.met), else_=0)),
        )
        .group_by(week)
        .order_by(week)
    ).all()
    weekly = [
        WeekRow(w.date() if isinstance(w, datetime) else date.fromisoformat(str(w)), int(n), int(a), int(m))
        for w, n, a, m, *_ in rows
    ]
    sent, answered, met = (sum(int(row[i]) for row in rows) for i in (4, 5, 6))
    return weekly, sent, answered, met


def _counts_by_due_time(s: Session, in_program: Any, since: datetime, until: datetime) -> Any:
    """The program's check-ins due between `since` and `until`, counted per due time, in one pass."""
    c = CheckIn
    counts = select(
        c.due_at.label("due_at"),
        func.count().label("sent"),
        func.count(c.answer).label("answered"),
        func.count().filter(c.answer == CheckInAnswer.MET).label("met"),
    ).group_by(c.due_at)
    if s.get_bind().dialect.name == "postgresql":
        # PostgreSQL counts in a hash table, in any order, starting from the program's pairs. The
        # window is applied to the counts, outside a MATERIALIZED CTE that keeps it there: given
        # the window, a planner without statistics yet may scan the due-time index once per pair.
        every = (
            counts.select_from(Pairing)
            .join(c, c.pairing_id == Pairing.id)
            .where(in_program)
            .cte("by_due")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        return select(every).where(every.c.due_at >= since, every.c.due_at <= until).subquery()
    # SQLite groups by sorting, unless the rows arrive in due-time order: read the window along the
    # due-time index and look each check-in's pair up among the program's. likely() tells the
    # planner that this test keeps most rows, so that it does not start from the pairs.
    in_pairs = c.pairing_id.in_(select(Pairing.id).where(in_program))
    return counts.where(c.due_at >= since, c.due_at <= until, func.likely(in_pairs)).subquery()

"""Program statistics from SQL aggregates: every figure carries how many people it is computed from.

That count is of distinct people, never of rows: a mentor with five mentees is one person, however
many pairs, surveys or check-ins they appear in, so small-group suppression hides what it should.

A program can hold 100,000 pairs and a million check-ins, so the check-ins are read along indexes
made for these figures (migration 0004), each in a single pass: every pair's check-ins in period
order for the figures that count pairs, the rated ones for usefulness, and the chart's weeks in
due-time order. The other tables are small and read once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, func, literal, literal_column, select, text, true, union_all
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
    # The people of the pairs whose check-ins the weekly chart counts, ended pairs included, so the
    # chart outlives the program yet never shows a group smaller than the threshold.
    weekly_people: int


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
    feedback, authors = s.execute(
        select(func.count(distinct(Feedback.pairing_id)), func.count(distinct(Feedback.from_user_id)))
        .join(Pairing, Pairing.id == Feedback.pairing_id)
        .where(in_program)
    ).one()
    # Each closing survey counts once, but a mentor of several pairs is one respondent: a figure from
    # one person's five surveys is still a figure from one person.
    surveys, respondents, promoters, detractors = s.execute(
        select(
            func.count(),
            func.count(distinct(Survey.user_id)),
            _count_if(Survey.recommend >= 9),
            _count_if(Survey.recommend <= 6),
        )
        .join(Pairing, Pairing.id == Survey.pairing_id)
        .where(in_program)
    ).one()

    return ProgramStats(
        mentors=Figure(mentors, mentors),
        mentees=Figure(requests.mentees, requests.mentees),
        open_requests=Figure(requests.open, requests.open_people),
        active_pairs=Figure(pairs.active, pairs.active_people),
        requested=Figure(requests.requested, requests.mentees),
        matched=Figure(requests.matched, requests.matched_people),
        met=Figure(pairs.met, pairs.met_people),
        feedback=Figure(feedback, authors),
        median_hours_to_match=Figure(requests.median_hours, requests.timed_people),
        response_rate=Figure(answered / sent if sent else None, pairs.recent_people),
        meeting_rate=Figure(met_recent / sent if sent else None, pairs.recent_people),
        # The sum of whole numbers is exact, so this is the very float AVG() gave.
        usefulness=Figure(int(useful or 0) / rated if rated else None, raters),
        confidence_first=Figure(pairs.first_pulse, pairs.pulsed_people),
        confidence_latest=Figure(pairs.latest_pulse, pairs.pulsed_people),
        capacity_use=Figure(load / capacity if capacity else None, mentors),
        stalled_pairs=Figure(pairs.stalled, pairs.active_people),
        nps=Figure(100 * (promoters - detractors) / surveys if surveys else None, respondents),
        weekly=weekly,
        weekly_people=pairs.charted_people,
    )


@dataclass(frozen=True)
class _RequestFigures:
    requested: int
    mentees: int
    open: int
    open_people: int
    matched: int
    matched_people: int
    timed: int
    timed_people: int
    median_hours: float | None


def _requests(s: Session, team_id: str, program_id: int) -> _RequestFigures:
    """The funnel's first steps in one pass over the program's requests, then the median time to match."""
    r = MentoringRequest
    in_program = and_(r.team_id == team_id, r.program_id == program_id)
    is_open, is_matched = r.status.in_(OPEN_REQUEST_STATUSES), r.status == RequestStatus.MATCHED
    # Grouped by mentee first, so that each kind of request counts its people in the same pass.
    per_mentee = (
        select(
            func.count().label("requests"),
            _count_if(is_open).label("open"),
            _count_if(is_matched).label("matched"),
            func.count(r.matched_at).label("timed"),
        )
        .where(in_program)
        .group_by(r.mentee_user_id)
        .subquery()
    )
    m = per_mentee.c
    row = s.execute(
        select(
            func.sum(m.requests),
            func.count(),
            func.sum(m.open),
            _count_if(m.open > 0),
            func.sum(m.matched),
            _count_if(m.matched > 0),
            func.sum(m.timed),
            _count_if(m.timed > 0),
        )
    ).one()
    # PostgreSQL sums bigints into numerics, and an empty program sums to NULL.
    requested, mentees, open_requests, open_people, matched, matched_people, timed, timed_people = (
        int(v or 0) for v in row
    )
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
    return _RequestFigures(
        requested, mentees, open_requests, open_people, matched, matched_people, timed, timed_people, median
    )


@dataclass(frozen=True)
class _PairFigures:
    active: int
    active_people: int
    met: int
    met_people: int
    recent_people: int
    charted_people: int
    pulsed_people: int
    first_pulse: float | None
    latest_pulse: float | None
    stalled: int


def _per_pair(s: Session, in_program: Any, now: datetime) -> _PairFigures:
    """One pass over the program's pairs and their check-ins, pair by pair; then the pairs are summed,
    and their people counted once each.

    The pair figures come from the pairs themselves. The people behind each figure are the persons
    with at least one pair in it: every pair is seen from both sides, its mentor and its mentee,
    and grouped by person, carrying only a flag per figure so that the grouping stays light.
    """
    c = CheckIn
    pulse = c.period * PULSE_BASE + c.confidence
    # The check-ins are summed per pair before meeting their pairs, so that the join carries one
    # narrow row per pair rather than one per check-in.
    by_pair = (
        select(
            c.pairing_id.label("pairing_id"),
            func.max(c.period).filter(c.answer == CheckInAnswer.MET).label("last_met"),
            func.max(c.period).label("last_period"),
            func.min(pulse).label("first_pulse"),
            func.max(pulse).label("latest_pulse"),
            # Both windows end at `now`, and the recent one lies within the chart's: one aggregate
            # tells both, as 2 for a check-in in the recent window, 1 for one in the chart's only.
            func.max(
                case(
                    (c.due_at > now, 0),
                    (c.due_at >= now - RECENT, 2),
                    (c.due_at >= now - timedelta(weeks=CHART_WEEKS), 1),
                    else_=0,
                )
            ).label("seen"),
        )
        .where(c.pairing_id.in_(select(Pairing.id).where(in_program)))
        .group_by(c.pairing_id)
        .subquery()
    )
    per_pair = (
        select(
            Pairing.id.label("pairing_id"),
            Pairing.status.label("status"),
            Pairing.mentor_user_id.label("mentor"),
            Pairing.mentee_user_id.label("mentee"),
            *(by_pair.c[name] for name in ("last_met", "last_period", "first_pulse", "latest_pulse", "seen")),
        )
        .select_from(Pairing)
        .outerjoin(by_pair, by_pair.c.pairing_id == Pairing.id)
        .where(in_program)
        # Read twice below, computed once.
        .cte("per_pair")
        .prefix_with("MATERIALIZED")
    )
    pp = per_pair.c
    # Periods are unique per pair, so a pair whose last period is fewer than STALLED_AFTER periods
    # after its last "we met" cannot be stalled; only the others have their missed check-ins counted.
    since_met = func.coalesce(pp.last_met, 0)
    missed = aliased(CheckIn)
    missed_since = (
        select(func.count())
        .where(missed.pairing_id == pp.pairing_id, missed.period > since_met, missed.status != CheckInStatus.OPEN)
        .scalar_subquery()
    )
    active = pp.status == PairingStatus.ACTIVE
    met = pp.last_met.is_not(None)
    pulsed = pp.first_pulse.is_not(None)
    stalled = and_(active, pp.last_period - since_met >= STALLED_AFTER, missed_since >= STALLED_AFTER)
    pairs = select(
        _count_if(active).label("active"),
        _count_if(met).label("met"),
        _count_if(pulsed).label("pulsed"),
        func.sum(_confidence(pp.first_pulse)).label("first_sum"),
        func.sum(_confidence(pp.latest_pulse)).label("latest_sum"),
        _count_if(stalled).label("stalled"),
    ).subquery()
    flags = [
        case((active, 1)).label("active"),
        case((met, 1)).label("met"),
        case((pp.seen == 2, 1)).label("recent"),
        case((pp.seen >= 1, 1)).label("charted"),
    ]
    sides = union_all(
        select(pp.mentor.label("person"), *flags, literal(None).label("pulsed")),
        select(pp.mentee.label("person"), *flags, case((pulsed, 1)).label("pulsed")),
    ).subquery()
    per_person = (
        select(*(func.max(sides.c[name]).label(name) for name in ("active", "met", "recent", "charted", "pulsed")))
        .group_by(sides.c.person)
        .subquery()
    )
    people = select(*(func.count(column).label(column.name) for column in per_person.c)).subquery()
    row = s.execute(select(pairs, people).select_from(pairs.join(people, true()))).one()
    # PostgreSQL sums bigints into numerics; every value here is a whole number.
    active_pairs, met_pairs, pulsed_pairs, stalled_pairs = (int(row[i]) for i in (0, 1, 2, 5))
    active_people, met_people, recent, charted, pulsed_people = (int(v) for v in row[6:])
    # Sums of whole numbers are exact, so these are the very floats AVG() would give.
    first, latest = (int(v) / pulsed_pairs if pulsed_pairs else None for v in (row[3] or 0, row[4] or 0))
    return _PairFigures(
        active_pairs, active_people, met_pairs, met_people, recent, charted, pulsed_people, first, latest, stalled_pairs
    )


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

"""Program statistics, read from the stats rollups: every figure carries how many people it is computed from.

That count is of distinct people, never of rows: a mentor with five mentees is one person, however
many pairs, surveys or check-ins they appear in, so small-group suppression hides what it should.

A program can hold 100,000 pairs and a million check-ins, so these are not read. Database triggers
keep rollups in step with every write, in its transaction (bot/storage/rollups.py): a row per person
of the program with what they count for, one per check-in due time, one per pairing, and each matched
request's wait in order. A person stands behind a figure when their count for it is above zero, so
one pass over the program's people gives every total and every count of people at once. Only stats
asked about the past look further: the people with a check-in due after `now` are told apart by their
pairs' own check-ins.

The figures are those of the rows as they are, erasures included: an erased person's user id is
replaced by one token in every row (bot/reporting/privacy.py), so they still count, once, as that
token, and what their leaving ended (pairs, requests, an offer) counts as ended, as for anyone who
leaves. Their row of the rollups goes with the user id; the token's counts what it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, distinct, exists, func, select, text, union_all
from sqlalchemy.orm import Session

from bot.storage.models import CheckIn, StatsDueTime, StatsMatchWait, StatsPair, StatsPerson

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
    # The people of the pairs whose check-ins the weekly chart counts, ended pairs included, so the
    # chart outlives the program yet never shows a group smaller than the threshold.
    weekly_people: int


def compute(s: Session, team_id: str, program_id: int, now: datetime) -> ProgramStats:
    if s.get_bind().dialect.name == "postgresql":
        # The rollups of pairings, requests and offers are brought up to date at commit: first those
        # of this transaction's own writes. JIT compiling would cost more than these queries take, and
        # so would parallel workers: grouping a program's pairs by person, they sort what one process
        # hashes (measured at 100,000 pairs: 208 ms in parallel, 116 ms without).
        s.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        s.execute(text("SET LOCAL jit = off"))
        s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    p = _people(s, team_id, program_id, now)
    latest = _latest_per_person(team_id, program_id)
    recent_people, charted_people, due_later = _people_by_latest(s, latest, now)
    if due_later:
        late_recent, late_charted = _people_due_later(s, team_id, program_id, latest, now)
        recent_people, charted_people = recent_people + late_recent, charted_people + late_charted
    due = _due_times(s, team_id, program_id, now)
    stalled = s.scalar(
        select(func.count()).where(
            StatsPair.team_id == team_id,
            StatsPair.program_id == program_id,
            StatsPair.active == 1,
            StatsPair.missed >= STALLED_AFTER,
        )
    )
    return ProgramStats(
        mentors=Figure(p.offers, p.offers),
        mentees=Figure(p.mentees, p.mentees),
        open_requests=Figure(p.open, p.open_people),
        active_pairs=Figure(p.active, p.active_people),
        requested=Figure(p.requested, p.mentees),
        matched=Figure(p.matched, p.matched_people),
        met=Figure(p.met, p.met_people),
        feedback=Figure(p.with_feedback, p.feedback_authors),
        median_hours_to_match=Figure(_median_wait(s, team_id, program_id, p.timed), p.timed_people),
        response_rate=Figure(due.answered / due.sent if due.sent else None, recent_people),
        meeting_rate=Figure(due.met / due.sent if due.sent else None, recent_people),
        usefulness=Figure(due.usefulness / due.rated if due.rated else None, p.raters),
        confidence_first=Figure(p.first_confidence / p.pulsed if p.pulsed else None, p.pulsed_people),
        confidence_latest=Figure(p.latest_confidence / p.pulsed if p.pulsed else None, p.pulsed_people),
        capacity_use=Figure(p.places_taken / p.places if p.places else None, p.offers),
        stalled_pairs=Figure(int(stalled or 0), p.active_people),
        nps=Figure(100 * (p.promoters - p.detractors) / p.surveys if p.surveys else None, p.respondents),
        weekly=due.weekly,
        weekly_people=charted_people,
    )


@dataclass(frozen=True)
class _PeopleFigures:
    offers: int
    places: int
    places_taken: int
    requested: int
    mentees: int
    open: int
    open_people: int
    matched: int
    matched_people: int
    timed: int
    timed_people: int
    active: int
    active_people: int
    met: int
    met_people: int
    pulsed: int
    pulsed_people: int
    first_confidence: int
    latest_confidence: int
    with_feedback: int
    feedback_authors: int
    raters: int
    surveys: int
    respondents: int
    promoters: int
    detractors: int


def _people(s: Session, team_id: str, program_id: int, now: datetime) -> _PeopleFigures:
    """Every total and every count of people, in one pass over the program's people."""
    p = StatsPerson

    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0)

    def people(condition: Any) -> Any:
        return func.count().filter(condition)

    columns = [
        total(p.offers),
        total(p.places),
        total(p.places_taken),
        total(p.requests),
        people(p.requests > 0),
        total(p.open_requests),
        people(p.open_requests > 0),
        total(p.matched_requests),
        people(p.matched_requests > 0),
        total(p.timed_requests),
        people(p.timed_requests > 0),
        total(p.mentored_active),
        people(p.active_pairs > 0),
        total(p.mentored_met),
        people(p.met_pairs > 0),
        total(p.pulsed_pairs),
        people(p.pulsed_pairs > 0),
        total(p.first_confidence),
        total(p.latest_confidence),
        total(p.mentored_with_feedback),
        people(p.feedback_given > 0),
        people(p.rated_checkins > 0),
        total(p.surveys),
        people(p.surveys > 0),
        total(p.promoters),
        total(p.detractors),
    ]
    row = s.execute(select(*columns).where(p.team_id == team_id, p.program_id == program_id)).one()
    # PostgreSQL sums integers into bigints or numerics; every value here is a whole number.
    return _PeopleFigures(*(int(v) for v in row))


def _latest_per_person(team_id: str, program_id: int) -> Any:
    """Each person of the program with the latest check-in due of any of their pairs (person, last_due)."""
    in_program = and_(StatsPair.team_id == team_id, StatsPair.program_id == program_id, StatsPair.last_due.is_not(None))
    sides = union_all(
        *(
            select(side.label("person"), StatsPair.last_due).where(in_program)
            for side in (StatsPair.mentor_user_id, StatsPair.mentee_user_id)
        )
    ).subquery()
    return select(sides.c.person, func.max(sides.c.last_due).label("last_due")).group_by(sides.c.person).subquery()


def _people_by_latest(s: Session, latest: Any, now: datetime) -> tuple[int, int, int]:
    """How many people's latest check-in was due in the last 4 weeks, in the chart's weeks, and after
    `now` (stats asked about the past: those people's windows are looked at closely)."""

    def checked_in_since(since: datetime) -> Any:
        return func.count().filter(and_(latest.c.last_due >= since, latest.c.last_due <= now))

    recent, charted, later = s.execute(
        select(
            checked_in_since(now - RECENT),
            checked_in_since(now - timedelta(weeks=CHART_WEEKS)),
            func.count().filter(latest.c.last_due > now),
        )
    ).one()
    return int(recent), int(charted), int(later)


def _people_due_later(s: Session, team_id: str, program_id: int, latest: Any, now: datetime) -> tuple[int, int]:
    """For the people with a check-in due after `now` (stats asked about the past), whether they
    checked in during the last 4 weeks and during the chart's, from their pairs' own check-ins."""
    later = select(latest.c.person).where(latest.c.last_due > now)
    in_program = and_(StatsPair.team_id == team_id, StatsPair.program_id == program_id)
    sides = union_all(
        *(
            select(side.label("person"), StatsPair.pairing_id, StatsPair.last_due).where(in_program, side.in_(later))
            for side in (StatsPair.mentor_user_id, StatsPair.mentee_user_id)
        )
    ).subquery()

    recent, charted = s.execute(
        select(*(_people_seen(sides, since, now) for since in (now - RECENT, now - timedelta(weeks=CHART_WEEKS))))
    ).one()
    return int(recent), int(charted)


def _people_seen(sides: Any, since: datetime, now: datetime) -> Any:
    """How many of the people in `sides` (person, pairing_id, last_due) have a pair that checked in
    between `since` and `now`."""
    checked_in = exists().where(
        CheckIn.pairing_id == sides.c.pairing_id, CheckIn.due_at >= since, CheckIn.due_at <= now
    )
    seen = and_(sides.c.last_due >= since, (sides.c.last_due <= now) | checked_in)
    return func.count(distinct(sides.c.person)).filter(seen)


@dataclass(frozen=True)
class _DueFigures:
    weekly: list[WeekRow]
    sent: int  # the last 4 weeks'
    answered: int
    met: int
    usefulness: int  # summed over every rated check-in
    rated: int


def _due_times(s: Session, team_id: str, program_id: int, now: datetime) -> _DueFigures:
    """The chart's weeks, the last 4 weeks' totals and the usefulness, from the check-ins counted per due time.

    A program has a few due times a week, so the weeks are worked out here, once per due time.
    """
    d = StatsDueTime
    rows = s.execute(
        select(d.due_at, d.sent, d.answered, d.met, d.usefulness, d.rated).where(
            d.team_id == team_id, d.program_id == program_id
        )
    ).all()
    chart_since, recent_since = now - timedelta(weeks=CHART_WEEKS), now - RECENT
    weeks: dict[date, list[int]] = {}
    sent = answered = met = usefulness = rated = 0
    for due_at, n, a, m, useful, r in rows:
        usefulness, rated = usefulness + useful, rated + r
        if chart_since <= due_at <= now:
            monday = due_at.date() - timedelta(days=due_at.weekday())
            week = weeks.setdefault(monday, [0, 0, 0])
            week[0], week[1], week[2] = week[0] + n, week[1] + a, week[2] + m
        if recent_since <= due_at <= now:
            sent, answered, met = sent + n, answered + a, met + m
    weekly = [WeekRow(week, *weeks[week]) for week in sorted(weeks)]
    return _DueFigures(weekly, sent, answered, met, usefulness, rated)


def _median_wait(s: Session, team_id: str, program_id: int, timed: int) -> float | None:
    """The median hours from request to match: the middle one or two waits, read along their index."""
    if not timed:
        return None
    middle = s.scalars(
        select(StatsMatchWait.hours)
        .where(StatsMatchWait.team_id == team_id, StatsMatchWait.program_id == program_id)
        .order_by(StatsMatchWait.hours)
        .offset((timed - 1) // 2)
        .limit(2 - timed % 2)
    ).all()
    return sum(middle) / len(middle)

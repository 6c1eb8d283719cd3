"""/mentor stats against an oracle: every figure recomputed naively in Python from the rows themselves.

`naive_stats` is the oracle, and bench/stats_queries.py uses it as its baseline. It reads rows one
by one and applies each figure's definition in plain Python, with no SQL aggregate at all, so a
faster query that changes any figure fails here, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select, text
from sqlalchemy.orm import Session

from bot.reporting.stats import CHART_WEEKS, RECENT, STALLED_AFTER, Figure, ProgramStats, WeekRow, compute
from bot.storage import rollups
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import (
    CheckIn,
    Feedback,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Program,
    StatsPerson,
    Survey,
    Workspace,
)
from bot.storage.statuses import OPEN_REQUEST_STATUSES, CheckInAnswer, CheckInStatus, PairingStatus, RequestStatus
from tests.fakeslack import DEFAULT_TEAM

TEAM = "TORACLE001"
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # a Monday: this week's check-ins are just due

# The median is compared to within 1e-6 hours (4 ms): SQLite subtracts Julian days, which are doubles.
HOURS_TOLERANCE = 1e-6


def naive_stats(s: Session, team_id: str, program_id: int, now: datetime) -> ProgramStats:
    """Every figure of compute(), from the program's rows loaded one by one and plain Python."""
    profiles = [
        p
        for p in s.execute(
            select(MentorProfile.program_id, MentorProfile.active, MentorProfile.load, MentorProfile.capacity).where(
                MentorProfile.team_id == team_id
            )
        )
        if p.program_id == program_id and p.active
    ]
    requests = [
        r
        for r in s.execute(
            select(
                MentoringRequest.program_id,
                MentoringRequest.mentee_user_id,
                MentoringRequest.status,
                MentoringRequest.created_at,
                MentoringRequest.matched_at,
            ).where(MentoringRequest.team_id == team_id)
        )
        if r.program_id == program_id
    ]
    pairings = {
        p.id: p
        for p in s.execute(
            select(
                Pairing.id, Pairing.program_id, Pairing.status, Pairing.mentor_user_id, Pairing.mentee_user_id
            ).where(Pairing.team_id == team_id)
        )
        if p.program_id == program_id
    }

    def people(pairing_ids: set[int]) -> int:
        """The distinct people of these pairs: a mentor of three of them is one person."""
        return len({u for i in pairing_ids for u in (pairings[i].mentor_user_id, pairings[i].mentee_user_id)})

    met_pairs: set[int] = set()
    recent_pairs: set[int] = set()
    charted_pairs: set[int] = set()
    pulsed_mentees: set[str] = set()
    sent = answered = met_recent = 0
    useful: list[int] = []
    raters: set[str] = set()
    first_pulse: list[int] = []
    latest_pulse: list[int] = []
    stalled = 0
    weeks: dict[date, list[int]] = {}
    for pairing_id, stream in _checkins_by_pairing(s):
        if pairing_id not in pairings:
            continue
        rows = sorted(stream, key=lambda c: c.period)
        for c in rows:
            if c.answer == CheckInAnswer.MET:
                met_pairs.add(pairing_id)
            if now - RECENT <= c.due_at <= now:
                recent_pairs.add(pairing_id)
                sent += 1
                answered += c.answer is not None
                met_recent += c.answer == CheckInAnswer.MET
            if c.usefulness is not None:
                useful.append(c.usefulness)
                if c.answered_by is not None:
                    raters.add(c.answered_by)
            if now - timedelta(weeks=CHART_WEEKS) <= c.due_at <= now:
                monday = c.due_at.date() - timedelta(days=c.due_at.weekday())
                charted_pairs.add(pairing_id)
                week = weeks.setdefault(monday, [0, 0, 0])
                week[0] += 1
                week[1] += c.answer is not None
                week[2] += c.answer == CheckInAnswer.MET
        pulses = [c.confidence for c in rows if c.confidence is not None]
        if pulses:
            first_pulse.append(pulses[0])
            latest_pulse.append(pulses[-1])
            pulsed_mentees.add(pairings[pairing_id].mentee_user_id)
        if pairings[pairing_id].status == PairingStatus.ACTIVE:
            last_met = max((c.period for c in rows if c.answer == CheckInAnswer.MET), default=0)
            missed = [c for c in rows if c.period > last_met and c.status != CheckInStatus.OPEN]
            stalled += len(missed) >= STALLED_AFTER

    feedback = [f for f in s.execute(select(Feedback.pairing_id, Feedback.from_user_id)) if f.pairing_id in pairings]
    feedback_pairs = {f.pairing_id for f in feedback}
    authors = {f.from_user_id for f in feedback}
    survey_rows = [v for v in s.execute(select(Survey.pairing_id, Survey.user_id, Survey.recommend))]
    survey_rows = [v for v in survey_rows if v.pairing_id in pairings]
    surveys = [v.recommend for v in survey_rows]
    respondents = {v.user_id for v in survey_rows}
    promoters = sum(1 for v in surveys if v >= 9)
    detractors = sum(1 for v in surveys if v <= 6)

    mentors = len(profiles)
    load = sum(p.load for p in profiles)
    capacity = sum(p.capacity for p in profiles)
    mentees = len({r.mentee_user_id for r in requests})
    open_requests = [r for r in requests if r.status in OPEN_REQUEST_STATUSES]
    matched = [r for r in requests if r.status == RequestStatus.MATCHED]
    timed = [r for r in requests if r.matched_at is not None]
    hours = [(r.matched_at - r.created_at).total_seconds() / 3600 for r in timed]
    active = {p.id for p in pairings.values() if p.status == PairingStatus.ACTIVE}

    def mentees_of(rows: list[Any]) -> int:
        return len({r.mentee_user_id for r in rows})

    return ProgramStats(
        mentors=Figure(mentors, mentors),
        mentees=Figure(mentees, mentees),
        open_requests=Figure(len(open_requests), mentees_of(open_requests)),
        active_pairs=Figure(len(active), people(active)),
        requested=Figure(len(requests), mentees),
        matched=Figure(len(matched), mentees_of(matched)),
        met=Figure(len(met_pairs), people(met_pairs)),
        feedback=Figure(len(feedback_pairs), len(authors)),
        median_hours_to_match=Figure(statistics.median(hours) if hours else None, mentees_of(timed)),
        response_rate=Figure(answered / sent if sent else None, people(recent_pairs)),
        meeting_rate=Figure(met_recent / sent if sent else None, people(recent_pairs)),
        usefulness=Figure(sum(useful) / len(useful) if useful else None, len(raters)),
        confidence_first=Figure(_mean(first_pulse), len(pulsed_mentees)),
        confidence_latest=Figure(_mean(latest_pulse), len(pulsed_mentees)),
        capacity_use=Figure(load / capacity if capacity else None, mentors),
        stalled_pairs=Figure(stalled, people(active)),
        nps=Figure(100 * (promoters - detractors) / len(surveys) if surveys else None, len(respondents)),
        weekly=[WeekRow(week, *weeks[week]) for week in sorted(weeks)],
        weekly_people=people(charted_pairs),
    )


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _checkins_by_pairing(s: Session) -> Iterator[tuple[int, Iterator[Any]]]:
    """Streams every check-in one pairing at a time, so a million rows fit in memory."""
    rows = s.execute(
        select(
            CheckIn.pairing_id,
            CheckIn.period,
            CheckIn.due_at,
            CheckIn.status,
            CheckIn.answer,
            CheckIn.answered_by,
            CheckIn.usefulness,
            CheckIn.confidence,
        )
        .order_by(CheckIn.pairing_id)
        .execution_options(yield_per=10_000)
    )
    return itertools.groupby(rows, key=lambda c: c.pairing_id)


def differences(ours: ProgramStats, oracle: ProgramStats) -> list[str]:
    """Every figure where compute() and the oracle disagree; counts must match exactly."""
    found = []
    for field in fields(ProgramStats):
        a, b = getattr(ours, field.name), getattr(oracle, field.name)
        if isinstance(a, Figure) and isinstance(b, Figure):
            tolerance = HOURS_TOLERANCE if field.name == "median_hours_to_match" else 0.0
            same_value = (a.value is None) == (b.value is None) and (
                a.value is None or b.value is None or math.isclose(a.value, b.value, rel_tol=1e-12, abs_tol=tolerance)
            )
            if not same_value or a.people != b.people:
                found.append(f"{field.name}: {a} != oracle {b}")
        elif a != b:
            found.append(f"{field.name}: {a} != oracle {b}")
    return found


# --- A varied workspace: the program under test, a second program, a tiny one and another workspace.

OTHER_TEAM = "TORACLE002"
MAIN, SECOND, TINY, EMPTY, ELSEWHERE = 1, 2, 3, 4, 5
PROGRAMS = {MAIN: TEAM, SECOND: TEAM, TINY: TEAM, EMPTY: TEAM, ELSEWHERE: OTHER_TEAM}
PAIRS = {MAIN: 70, SECOND: 25, TINY: 2, EMPTY: 0, ELSEWHERE: 20}
WEEK = timedelta(weeks=1)


class _Rows:
    """Rows for every table, with ids handed out here so that foreign keys can point at them."""

    def __init__(self) -> None:
        self.tables: dict[Any, list[dict[str, Any]]] = {
            t: [] for t in (Program, MentorProfile, MentoringRequest, Pairing, CheckIn, Feedback, Survey)
        }

    def add(self, model: Any, **row: Any) -> int:
        rows = self.tables[model]
        row.setdefault("id", len(rows) + 1)
        rows.append(row)
        return int(row["id"])


def seed_workspaces(s: Session, seed: int) -> None:
    """Random pairs around NOW, plus hand-made edge cases in the program under test."""
    rng = random.Random(seed)
    rows = _Rows()
    for team in (TEAM, OTHER_TEAM):
        s.add(Workspace(team_id=team, created_at=NOW - 52 * WEEK))
    s.flush()
    for program, team in PROGRAMS.items():
        rows.add(
            Program,
            id=program,
            team_id=team,
            name=f"P{program}",
            kind="classic",
            status="open",
            topics=[],
            created_at=NOW,
        )
        for n in range(PAIRS[program]):
            _random_pair(rows, rng, program, team, n)
        # People waiting, or who gave up, without a pair; some asked more than once.
        for n, status in enumerate(["withdrawn", "withdrawn", "waiting", "proposed", "waiting", "withdrawn"]):
            mentee = f"UW{program}{n % 4}"
            rows.add(MentoringRequest, **_request(team, program, mentee, status, f"w{program}-{n}", rng, matched=False))
            if rng.random() < 0.5:
                rows.add(MentorProfile, **_profile(team, program, f"UX{program}{n}", rng))
    _edge_cases(rows, rng)
    for model, table_rows in rows.tables.items():
        if table_rows:
            s.execute(insert(model), table_rows)


def _profile(team: str, program: int, user: str, rng: random.Random) -> dict[str, Any]:
    capacity = rng.randint(1, 5)
    return dict(
        team_id=team,
        program_id=program,
        user_id=user,
        topics=[],
        capacity=capacity,
        load=rng.randint(0, capacity),
        level=3,
        active=rng.random() < 0.85,
        created_at=NOW,
        updated_at=NOW,
    )


def _request(
    team: str, program: int, mentee: str, status: str, key: str, rng: random.Random, matched: bool
) -> dict[str, Any]:
    created = NOW - timedelta(
        days=rng.randint(0, 200), seconds=rng.randint(0, 86_399), microseconds=rng.randint(0, 999_999)
    )
    waited = timedelta(minutes=rng.randint(1, 20_000), seconds=rng.randint(0, 59), microseconds=rng.randint(0, 999_999))
    return dict(
        team_id=team,
        program_id=program,
        mentee_user_id=mentee,
        goals="Grow as a leader.",
        topics=[],
        status=status,
        source_key=key,
        created_at=created,
        matched_at=created + waited if matched or rng.random() < 0.1 else None,
    )


def _random_pair(rows: _Rows, rng: random.Random, program: int, team: str, n: int) -> None:
    mentor, mentee = f"UM{program}{n % 9}", f"UE{program}{n}"  # mentors have several mentees
    profile = rows.add(MentorProfile, **_profile(team, program, f"{mentor}-{n}", rng))
    request = rows.add(
        MentoringRequest, **_request(team, program, mentee, "matched", f"r{program}-{n}", rng, matched=True)
    )
    status = rng.choice(["active", "active", "active", "ended", "completed"])
    pairing = rows.add(
        Pairing,
        team_id=team,
        program_id=program,
        request_id=request,
        mentor_profile_id=profile,
        mentor_user_id=mentor,
        mentee_user_id=mentee,
        status=status,
        started_at=NOW - 20 * WEEK,
        checkin_weekday=0,
        next_period=1,
    )
    # Check-ins from 20 weeks ago to 2 weeks ahead, some periods skipped, at times that straddle
    # midnight between Sunday and Monday; the newest may still be open.
    first_due = NOW - rng.randint(2, 20) * WEEK + timedelta(minutes=rng.choice([-31, 0, 0, 45, 14 * 60]))
    periods = [p for p in range(1, rng.randint(0, 16) + 1) if rng.random() < 0.85]
    for i, period in enumerate(periods):
        open_ = status == "active" and i == len(periods) - 1 and rng.random() < 0.4
        answer = (
            None
            if open_ and rng.random() < 0.7
            else rng.choice([None, None, "met", "met", "met", "not_yet", "need_help"])
        )
        by = rng.choice([mentee, mentee, mentor, "UOUTSIDER"]) if answer else None
        rated = answer == "met" and rng.random() < 0.8 or rng.random() < 0.03
        rows.add(
            CheckIn,
            team_id=team,
            pairing_id=pairing,
            period=period,
            due_at=first_due + (period - 1) * WEEK,
            status="open" if open_ else ("answered" if answer else rng.choice(["superseded", "closed"])),
            answer=answer,
            answered_by=by if rng.random() < 0.98 else None,
            usefulness=rng.randint(1, 5) if rated else None,
            confidence=rng.randint(1, 5) if rated and rng.random() < 0.7 else None,
        )
    for author in (mentee, mentor):
        for feedback_round in range(rng.choice([0, 0, 1, 2])):
            rows.add(
                Feedback,
                team_id=team,
                pairing_id=pairing,
                round=feedback_round + 1,
                from_user_id=author,
                to_user_id=mentor if author == mentee else mentee,
                working="w",
                try_differently="t",
                created_at=NOW,
            )
        if status != "active" and rng.random() < 0.6:
            rows.add(
                Survey,
                team_id=team,
                pairing_id=pairing,
                user_id=author,
                rating=rng.randint(1, 5),
                recommend=rng.randint(0, 10),
                goals_reached="partly",
                created_at=NOW,
            )


def _edge_cases(rows: _Rows, rng: random.Random) -> None:
    """Stalled and almost-stalled pairs, and check-ins due exactly on the windows' edges."""
    histories = {
        "three missed since meeting": ["met", None, "not_yet", None],
        "two missed, then an open one": ["met", None, None, "open"],
        "three missed, never met": [None, "need_help", None],
        "met last": [None, None, None, "met"],
        "no check-ins yet": [],
    }
    for n, answers in enumerate(histories.values()):
        mentor, mentee = f"UMEDGE{n}", f"UEEDGE{n}"
        profile = rows.add(MentorProfile, **_profile(TEAM, MAIN, mentor, rng))
        request = rows.add(MentoringRequest, **_request(TEAM, MAIN, mentee, "matched", f"edge-{n}", rng, matched=True))
        pairing = rows.add(
            Pairing,
            team_id=TEAM,
            program_id=MAIN,
            request_id=request,
            mentor_profile_id=profile,
            mentor_user_id=mentor,
            mentee_user_id=mentee,
            status="active",
            started_at=NOW - 10 * WEEK,
            checkin_weekday=0,
        )
        edges = [NOW - CHART_WEEKS * WEEK, NOW - RECENT, NOW, NOW + timedelta(microseconds=1)]
        for period, answer in enumerate(answers, start=1):
            rows.add(
                CheckIn,
                team_id=TEAM,
                pairing_id=pairing,
                period=period,
                due_at=edges[period - 1] if n == 0 else NOW - (len(answers) - period) * WEEK,
                status="open" if answer == "open" else ("answered" if answer else "superseded"),
                answer=None if answer == "open" else answer,
                answered_by=mentee if answer not in (None, "open") else None,
            )


@pytest.fixture
def seeded(migrated_database_url: str, request: pytest.FixtureRequest) -> Iterator[Session]:
    engine = make_engine(migrated_database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        seed_workspaces(s, request.param)
    with unit_of_work(make_session_factory(engine)) as s:
        yield s
    engine.dispose()


@pytest.mark.parametrize("seeded", [1, 2, 3], indirect=True)
def test_every_figure_matches_the_oracle(seeded: Session) -> None:
    found = {}
    for program in (MAIN, SECOND, TINY, EMPTY):
        for now in (NOW, NOW - 5 * WEEK):  # five weeks back, some check-ins lie in the future
            wrong = differences(compute(seeded, TEAM, program, now), naive_stats(seeded, TEAM, program, now))
            if wrong:
                found[f"program {program} at {now:%Y-%m-%d}"] = wrong
    assert found == {}


@pytest.mark.parametrize("seeded", [1], indirect=True)
def test_the_seeded_program_has_every_case_the_oracle_should_see(seeded: Session) -> None:
    """Guards the test data itself: without these cases the comparison above would prove less."""
    main = naive_stats(seeded, TEAM, MAIN, NOW)
    tiny = naive_stats(seeded, TEAM, TINY, NOW)
    assert main.stalled_pairs.value and main.met.value and main.feedback.value
    assert main.nps.people > 0 and main.usefulness.people > 0 and main.confidence_first.people > 0
    assert main.open_requests.value and (main.requested.value or 0) > (main.mentees.value or 0)  # some asked twice
    assert 0 < tiny.active_pairs.people < 5  # below MENTOR_STATS_MIN_GROUP's default
    # Mentors with several pairs, and several surveys from one person: people are fewer than rows.
    assert (main.active_pairs.people or 0) < 2 * (main.active_pairs.value or 0)
    surveys = seeded.scalars(select(Survey.user_id).join(Pairing).where(Pairing.program_id == MAIN)).all()
    assert main.nps.people == len(set(surveys)) < len(surveys)
    assert 0 < main.weekly_people
    assert len(main.weekly) > 10
    assert set(seeded.scalars(select(Pairing.status).where(Pairing.program_id == MAIN))) == {
        "active",
        "ended",
        "completed",
    }
    checkins = seeded.execute(select(CheckIn.status, CheckIn.due_at, CheckIn.answered_by, CheckIn.usefulness)).all()
    assert {c.status for c in checkins} == {"open", "answered", "superseded", "closed"}
    assert any(c.due_at > NOW for c in checkins) and any(c.due_at == NOW - RECENT for c in checkins)
    assert any(c.answered_by == "UOUTSIDER" and c.usefulness for c in checkins)


# --- The services' own writes: a whole program walked through the real bot, stats held to the oracle.

# The walk's seeds (tests/test_whole_program.py's CI seeds), kept here so that the bench, which reads
# this module for its oracle, does not load the whole bot.
WALK_SEEDS = [16]


def _stats_walk(bot: Any, seed: int, caplog: pytest.LogCaptureFixture) -> Any:
    """tests/test_whole_program.py's seeded walk (answers, pauses, rematches, leaving, people who become
    unreachable and are erased, pairs that end), with /mentor stats held against the
    oracle every few ticks."""
    from tests.test_whole_program import Walk

    class StatsWalk(Walk):
        def __init__(self) -> None:
            super().__init__(bot, seed, caplog)
            self.ticks = 0
            self.wrong: dict[str, list[str]] = {}

        def check(self, step: str) -> None:
            super().check(step)
            if step.endswith(" tick"):
                self.ticks += 1
                if self.ticks % 6 == 0:
                    self.compare(step)

        def compare(self, step: str) -> None:
            at = self.bot.clock.at
            with unit_of_work(self.bot.rt.sessions) as s:
                for program in s.scalars(select(Program.id).where(Program.team_id == DEFAULT_TEAM)).all():
                    for now in (at, at - 3 * WEEK):
                        ours, oracle = (
                            compute(s, DEFAULT_TEAM, program, now),
                            naive_stats(s, DEFAULT_TEAM, program, now),
                        )
                        if found := differences(ours, oracle):
                            self.wrong[f"{step}, program {program} at {now:%Y-%m-%d %H:%M}"] = found

    return StatsWalk()


@pytest.mark.parametrize("seed", WALK_SEEDS)
def test_the_figures_stay_the_oracles_through_a_whole_program_and_erasures(
    bot: Any, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    from tests.test_whole_program import MENTEES, MENTORS

    walk = _stats_walk(bot, seed, caplog)
    walk.run()
    erased = (MENTEES[0], MENTORS[0])
    for user in erased:  # then two people ask to be erased
        bot.rt.erasure.erase(DEFAULT_TEAM, user, bot.clock.at)
        walk.compare(f"{user} erased")
    assert walk.wrong == {}
    # The walk went through what the figures must survive: pauses, rematches, people leaving or unreachable.
    assert {"pause", "resume", "leave", "ended: rematch", "ended: left", "ended: unreachable"} <= walk.events()
    with unit_of_work(bot.rt.sessions) as s:
        assert not set(s.scalars(select(StatsPerson.user_id))) & set(erased)
    with bot.rt.engine.connect() as conn:  # and the rollups are what a rebuild from scratch makes
        kept = rollup_rows(conn)
        rollups.rebuild(conn)
        assert rollup_rows(conn) == kept
        conn.rollback()


def rollup_rows(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every rollup table, in a stable order."""
    return {
        table: sorted((tuple(row) for row in conn.execute(text(f"SELECT * FROM {table}"))), key=repr)
        for table in rollups.ROLLUP_TABLES
    }

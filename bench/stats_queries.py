"""Benchmark: /mentor stats for one program with 10,000 pairs and 100,000 check-ins.

Baseline, measured in the same run: the same figures computed in Python from every row loaded
(what a naive implementation does), against our SQL aggregates.

    .venv/bin/python bench/stats_queries.py [--pairs 10000] [--checkins-per-pair 10] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from bot.people.directory import ensure_workspace  # noqa: E402
from bot.programs.catalog import open_programs  # noqa: E402
from bot.reporting.stats import compute  # noqa: E402
from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work  # noqa: E402
from bot.storage.models import CheckIn, Feedback, MentoringRequest, MentorProfile, Pairing, Survey  # noqa: E402

START = datetime(2026, 6, 1, 9, tzinfo=UTC)
NOW = datetime(2026, 9, 1, 9, tzinfo=UTC)
TEAM = "TBENCH0001"


def seed(database_url: str, pairs: int, per_pair: int) -> int:
    rng = random.Random(7)
    engine = make_engine(database_url)
    migrate(engine)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, TEAM, START)
        program = open_programs(s, TEAM, START)[0]
        s.execute(
            insert(MentorProfile),
            [
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    user_id=f"UM{n:07d}",
                    topics=["Leadership"],
                    capacity=2,
                    load=1,
                    level=4,
                    open_to_reverse=False,
                    active=True,
                    created_at=START,
                    updated_at=START,
                )
                for n in range(pairs)
            ],
        )
        s.execute(
            insert(MentoringRequest),
            [
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    mentee_user_id=f"UE{n:07d}",
                    goals="Grow.",
                    topics=[],
                    wants_outside_team=False,
                    wants_more_senior=False,
                    status="matched",
                    source_key=f"b:{n}",
                    created_at=START,
                    matched_at=START + timedelta(hours=rng.randint(1, 200)),
                )
                for n in range(pairs)
            ],
        )
        s.execute(
            insert(Pairing),
            [
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    request_id=n + 1,
                    mentor_profile_id=n + 1,
                    mentor_user_id=f"UM{n:07d}",
                    mentee_user_id=f"UE{n:07d}",
                    status="active",
                    started_at=START,
                    checkin_weekday=0,
                    next_period=per_pair + 1,
                )
                for n in range(pairs)
            ],
        )
        rows = []
        for n in range(pairs):
            for period in range(1, per_pair + 1):
                answer = rng.choice([None, "met", "met", "not_yet"])
                rows.append(
                    dict(
                        team_id=TEAM,
                        pairing_id=n + 1,
                        period=period,
                        due_at=NOW - timedelta(weeks=per_pair - period),
                        status="answered" if answer else "superseded",
                        answer=answer,
                        answered_by=f"UE{n:07d}" if answer else None,
                        usefulness=rng.randint(1, 5) if answer == "met" else None,
                        confidence=rng.randint(1, 5) if answer == "met" else None,
                    )
                )
        for start in range(0, len(rows), 5000):
            s.execute(insert(CheckIn), rows[start : start + 5000])
        s.execute(
            insert(Feedback),
            [
                dict(
                    team_id=TEAM,
                    pairing_id=n + 1,
                    round=1,
                    from_user_id=f"UE{n:07d}",
                    to_user_id=f"UM{n:07d}",
                    working="w",
                    try_differently="t",
                    created_at=NOW,
                )
                for n in range(0, pairs, 2)
            ],
        )
        s.execute(
            insert(Survey),
            [
                dict(
                    team_id=TEAM,
                    pairing_id=n + 1,
                    user_id=f"UE{n:07d}",
                    rating=4,
                    recommend=rng.randint(0, 10),
                    goals_reached="yes",
                    created_at=NOW,
                )
                for n in range(0, pairs, 3)
            ],
        )
        program_id = program.id
    engine.dispose()
    return program_id


def naive(s, program_id: int) -> tuple:  # type: ignore[no-untyped-def]
    """The baseline: load every row and compute the headline figures in Python."""
    pairings = list(s.scalars(select(Pairing).where(Pairing.program_id == program_id)))
    ids = {p.id for p in pairings}
    checkins = [c for c in s.scalars(select(CheckIn)) if c.pairing_id in ids]
    requests = list(s.scalars(select(MentoringRequest).where(MentoringRequest.program_id == program_id)))
    recent = [c for c in checkins if NOW - timedelta(weeks=4) <= c.due_at <= NOW]
    hours = sorted((r.matched_at - r.created_at).total_seconds() / 3600 for r in requests if r.matched_at)
    met = {c.pairing_id for c in checkins if c.answer == "met"}
    useful = [c.usefulness for c in checkins if c.usefulness]
    surveys = list(s.scalars(select(Survey)))
    return (
        len(requests),
        len(met),
        statistics.median(hours) if hours else None,
        sum(1 for c in recent if c.answer) / len(recent) if recent else None,
        sum(useful) / len(useful) if useful else None,
        len(surveys),
    )


def timed(run, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--checkins-per-pair", type=int, default=10)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/stats.db"
        program_id = seed(url, args.pairs, args.checkins_per_pair)
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with unit_of_work(sessions) as s:
            ours = timed(lambda: compute(s, TEAM, program_id, NOW))
            figures = compute(s, TEAM, program_id, NOW)
            baseline = timed(lambda: naive(s, program_id), repeat=3)
        engine.dispose()
    print(f"{args.pairs} pairs, {args.pairs * args.checkins_per_pair} check-ins, database: {url.split(':', 1)[0]}")
    print(f"SQL aggregates (all figures and the weekly series): {1000 * ours:8.1f} ms (median of 5)")
    print(f"naive Python over loaded rows (six figures only):   {1000 * baseline:8.1f} ms (median of 3)")
    print(
        f"check: requested {figures.requested.value}, met {figures.met.value}, "
        f"median hours to match {figures.median_hours_to_match.value:.1f}"
    )


if __name__ == "__main__":
    main()

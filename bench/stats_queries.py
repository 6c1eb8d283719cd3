"""Benchmark: /mentor stats for one program with 10,000 pairs and 100,000 check-ins, then 100,000 and a million.

Baseline, measured in the same run: the naive oracle of tests/test_stats_oracle.py, which loads
every row of the program and computes each figure in Python. The bench also checks that compute()
gives exactly the oracle's figures at this size, so a fast answer is never a wrong one.

Each run starts from freshly seeded tables: the benchmark drops and recreates every table in the
database it is given, and refuses a database that holds another workspace. For PostgreSQL, give it a
schema of its own, e.g. `CREATE SCHEMA bench_stats` and `?options=-csearch_path%3Dbench_stats`;
after seeding it runs VACUUM ANALYZE, as autovacuum would have by the time anyone asks for stats.

Each size given to --pairs is seeded afresh and measured in turn, with its own baseline. Seeding is
bulk: COPY on PostgreSQL, multi-row inserts straight through the driver on SQLite. On SQLite the
bench also prints the CPU time of the same runs, which a busy shared machine disturbs far less.

    .venv/bin/python bench/stats_queries.py [--pairs 10000 100000] [--checkins-per-pair 10] [--runs 7]
        [--baseline-runs 3] [--database-url URL]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, inspect, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.people.directory import ensure_workspace  # noqa: E402
from bot.programs.catalog import open_programs  # noqa: E402
from bot.reporting.stats import compute  # noqa: E402
from bot.storage import bulk  # noqa: E402
from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work  # noqa: E402
from bot.storage.models import (  # noqa: E402
    Base,
    CheckIn,
    Feedback,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Survey,
    Workspace,
)
from tests.test_stats_oracle import differences, naive_stats  # noqa: E402

START = datetime(2026, 6, 1, 9, tzinfo=UTC)
NOW = datetime(2026, 9, 1, 9, tzinfo=UTC)
TEAM = "TBENCHSTATS"
CHUNK = 20_000


def prepare(engine: Engine) -> None:
    """Empty, freshly migrated tables. Refuses to drop anything that is not the benchmark's own."""
    if inspect(engine).has_table("workspaces"):
        with engine.connect() as conn:
            teams = set(conn.scalars(select(Workspace.team_id)))
        if teams - {TEAM}:
            raise SystemExit(f"this database holds other workspaces ({len(teams - {TEAM})}); give the bench its own")
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate(engine)


def bulk_insert(s: Session, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Inserts many rows fast and streamed: COPY on PostgreSQL, executemany in chunks on SQLite."""
    rows = iter(rows)
    if s.get_bind().dialect.name != "postgresql":
        while chunk := list(itertools.islice(rows, CHUNK)):
            bulk.insert_rows(s.connection(), table, chunk)
        return
    first = next(rows, None)
    if first is None:
        return
    # Seeding a million rows takes longer than the engine's statement timeout allows a request.
    s.execute(text("SET LOCAL statement_timeout = 0"))
    cursor = s.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({', '.join(first)}) FROM STDIN") as copy:
        for row in itertools.chain([first], rows):
            copy.write_row([json.dumps(v) if isinstance(v, list) else v for v in row.values()])


def seed(engine: Engine, pairs: int, per_pair: int) -> int:
    """One program of N active pairs, each with its check-ins over the last weeks, feedback and surveys."""
    rng = random.Random(7)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, TEAM, START)
        program_id = open_programs(s, TEAM, START)[0].id
        bulk_insert(
            s,
            MentorProfile.__table__,
            [
                dict(
                    id=n + 1,
                    team_id=TEAM,
                    program_id=program_id,
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
        bulk_insert(
            s,
            MentoringRequest.__table__,
            [
                dict(
                    id=n + 1,
                    team_id=TEAM,
                    program_id=program_id,
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
        bulk_insert(
            s,
            Pairing.__table__,
            [
                dict(
                    id=n + 1,
                    team_id=TEAM,
                    program_id=program_id,
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
        bulk_insert(s, CheckIn.__table__, _checkins(rng, pairs, per_pair))
        bulk_insert(
            s,
            Feedback.__table__,
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
        bulk_insert(
            s,
            Survey.__table__,
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
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (MentorProfile, MentoringRequest, Pairing, CheckIn, Feedback, Survey):
                conn.execute(text(f"VACUUM ANALYZE {table.__tablename__}"))
    return program_id


def _checkins(rng: random.Random, pairs: int, per_pair: int) -> Iterator[dict[str, Any]]:
    """Each pair's weekly check-ins up to NOW: a quarter unanswered, half "we met" with a pulse."""
    for n in range(pairs):
        for period in range(1, per_pair + 1):
            answer = rng.choice([None, "met", "met", "not_yet"])
            yield dict(
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


def timed(run: Callable[[], object], repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall times of `repeat` runs; with `cpu`, this process's CPU time of each run is added to it."""
    times = []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - began)
        if cpu is not None:
            cpu.append(time.process_time() - began_cpu)
    return times


def spread(times: list[float]) -> str:
    ms = sorted(1000 * t for t in times)
    return f"{statistics.median(ms):8.1f} ms (median of {len(ms)}; min {ms[0]:.1f}, max {ms[-1]:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--checkins-per-pair", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7, help="timed runs of compute(), after one warm-up")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of the naive oracle")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/stats.db"
        for pairs in args.pairs:
            measure(url, pairs, args.checkins_per_pair, args.runs, args.baseline_runs)


def measure(url: str, pairs: int, per_pair: int, runs: int, baseline_runs: int) -> None:
    engine = make_engine(url)
    prepare(engine)
    began = time.perf_counter()
    program_id = seed(engine, pairs, per_pair)
    seeded = time.perf_counter() - began
    with unit_of_work(make_session_factory(engine)) as s:
        figures = compute(s, TEAM, program_id, NOW)
        cpu: list[float] = []
        ours = timed(lambda: compute(s, TEAM, program_id, NOW), runs, cpu)
        oracle = naive_stats(s, TEAM, program_id, NOW)
        baseline = timed(lambda: naive_stats(s, TEAM, program_id, NOW), baseline_runs)
    engine.dispose()
    print(f"{pairs} pairs, {pairs * per_pair} check-ins, database: {url.split(':', 1)[0]}, seeded in {seeded:.1f} s")
    print(f"SQL aggregates, every figure and the weekly series: {spread(ours)}")
    if url.startswith("sqlite"):
        # SQLite runs inside this process, so its CPU time is the queries' own cost: on a shared
        # machine it varies far less than the wall time, which includes waiting for a core.
        print(f"  the same runs in CPU time of this process:       {spread(cpu)}")
    print(f"baseline, the naive oracle over every loaded row:  {spread(baseline)}")
    wrong = differences(figures, oracle)
    print(
        "figures: the same as the oracle's"
        if not wrong
        else "figures DIFFER from the oracle's:\n  " + "\n  ".join(wrong)
    )
    median = figures.median_hours_to_match.value
    print(
        f"check: requested {figures.requested.value}, met {figures.met.value}, "
        f"median hours to match {median if median is None else f'{median:.1f}'}, "
        f"stalled {figures.stalled_pairs.value}"
    )


if __name__ == "__main__":
    main()

"""Benchmark: /mentor stats for one program with 10,000 pairs and 100,000 check-ins, then 100,000 and a million,
on SQLite and on PostgreSQL in one run.

Baseline, measured in the same run: the naive oracle of tests/test_stats_oracle.py, which loads
every row of the program and computes each figure in Python. The bench also checks that compute()
gives exactly the oracle's figures at this size, so a fast answer is never a wrong one.

Each run starts from freshly seeded tables: the benchmark drops and recreates every table in the
database it is given, and refuses a database that holds another workspace. SQLite gets a new file in
a temporary directory; PostgreSQL gets a schema of its own (`bench_stats`, created if need be) in the
database of --postgres-url. After seeding, PostgreSQL runs VACUUM ANALYZE, as autovacuum would have by
the time anyone asks for stats.

Each size given to --pairs is seeded afresh and measured in turn, with its own baseline. Seeding is
bulk: COPY on PostgreSQL, multi-row inserts straight through the driver on SQLite, with the rollup
triggers set aside; the rollups are then summed from every row, as the migration does for existing
data, and that time is printed too. With --through-triggers the rows are written with the triggers in
place instead, as the app writes them, which shows what the triggers cost a bulk write. On SQLite the
bench also prints the CPU time of the same runs, which a busy shared machine disturbs far less.

    .venv/bin/python bench/stats_queries.py [--pairs 10000 100000] [--checkins-per-pair 10] [--runs 7]
        [--baseline-runs 3] [--databases sqlite postgresql] [--postgres-url URL] [--through-triggers]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, inspect, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.people.directory import ensure_workspace  # noqa: E402
from bot.programs.catalog import open_programs  # noqa: E402
from bot.reporting.stats import compute  # noqa: E402
from bot.storage import bulk, rollups  # noqa: E402
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

SEEDED = ("mentor_profiles", "mentoring_requests", "pairings", "check_ins", "feedback", "surveys")
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


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_stats"


@dataclass(frozen=True)
class Result:
    database: str
    pairs: int
    checkins: int
    ours: list[float]
    baseline: list[float]
    same: bool


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--checkins-per-pair", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7, help="timed runs of compute(), after one warm-up")
    parser.add_argument("--baseline-runs", type=int, default=3, help="timed runs of the naive oracle")
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a database the bench may add a schema to")
    parser.add_argument("--through-triggers", action="store_true", help="seed with the rollup triggers in place")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for database in args.databases:
            url = f"sqlite:///{tmp}/stats.db" if database == "sqlite" else _postgres_schema(args.postgres_url)
            for pairs in args.pairs:
                results.append(
                    measure(url, pairs, args.checkins_per_pair, args.runs, args.baseline_runs, args.through_triggers)
                )
    print("\nsummary: median time of /mentor stats, and of the naive oracle in the same run")
    for r in results:
        verdict = "same figures" if r.same else "FIGURES DIFFER"
        print(
            f"  {r.database:10} {r.pairs:>7,} pairs {r.checkins:>9,} check-ins: "
            f"{1000 * statistics.median(r.ours):7.1f} ms   naive {1000 * statistics.median(r.baseline):8.1f} ms"
            f"   {verdict}"
        )


def _postgres_schema(url: str) -> str:
    """The URL of the bench's own schema in that database, created if need be."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    admin.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"


def measure(url: str, pairs: int, per_pair: int, runs: int, baseline_runs: int, through_triggers: bool) -> Result:
    engine = make_engine(url)
    database = engine.dialect.name
    prepare(engine)
    if not through_triggers:
        with engine.begin() as conn:
            rollups.uninstall(conn)
    began = time.perf_counter()
    program_id = seed(engine, pairs, per_pair)
    seeded = time.perf_counter() - began
    how = "through the rollup triggers" if through_triggers else "in bulk"
    print(f"\n{pairs} pairs, {pairs * per_pair} check-ins, database: {database}, seeded {how} in {seeded:.1f} s")
    if not through_triggers:
        began = time.perf_counter()
        with engine.begin() as conn:
            rollups.keep_up_to_date(conn, migrated=True)
        print(f"rollups summed from every row, as the migration does, in {time.perf_counter() - began:.1f} s")
    if database == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (*SEEDED, *rollups.ROLLUP_TABLES):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    with unit_of_work(make_session_factory(engine)) as s:
        figures = compute(s, TEAM, program_id, NOW)
        cpu: list[float] = []
        ours = timed(lambda: compute(s, TEAM, program_id, NOW), runs, cpu)
        oracle = naive_stats(s, TEAM, program_id, NOW)
        baseline = timed(lambda: naive_stats(s, TEAM, program_id, NOW), baseline_runs)
    engine.dispose()
    print(f"/mentor stats from the rollups, every figure and the weekly series: {spread(ours)}")
    if database == "sqlite":
        # SQLite runs inside this process, so its CPU time is the queries' own cost: on a shared
        # machine it varies far less than the wall time, which includes waiting for a core.
        print(f"  the same runs in CPU time of this process:                      {spread(cpu)}")
    print(f"baseline, the naive oracle over every loaded row:                 {spread(baseline)}")
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
    return Result(database, pairs, pairs * per_pair, ours, baseline, not wrong)


if __name__ == "__main__":
    main()

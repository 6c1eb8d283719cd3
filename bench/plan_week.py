"""Benchmark: plan one week's check-ins for N active pairs, against the floor of inserting the same rows.

The pairs are mid-program, on a rolling intake: pair n has n % 8 past check-ins (answered, missed or
still open) and prompts, so one plan covers every period from 1 to 8 with odd and even prompts,
feedback invitations, stall nudges and owner alerts. Mentees live in six timezones, or have none and
fall back to the program's; 1% of mentees are paused; and every pair is due when the plan runs.

Baseline, measured in the same run: the floor, i.e. inserting the same check-in and delivery rows
(payloads included) into the same seeded database with plain Core inserts, all rows of a table in one
executemany, and nothing else: no reads, no calendar math, no superseding, no prompts, no messages
to build. The floor's check-ins go in as `closed`, since a second open check-in per pair is exactly
what the planner exists to prevent.

The rollups behind /mentor stats are kept by triggers on both sides: the floor's check-ins reach them
in one batch (bot/storage/rollups.py, `batch`), as the planner's do.

Each run starts from freshly seeded tables: the benchmark drops and recreates every table in the
database it is given, and refuses a database that holds another workspace. For PostgreSQL, give it a
schema of its own, e.g. `CREATE SCHEMA bench_plan` and `?options=-csearch_path%3Dbench_plan`.

    .venv/bin/python bench/plan_week.py [--pairs 10000] [--runs 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, MetaData, func, insert, inspect, select, text  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.pairing import prompts  # noqa: E402
from bot.pairing.calendar import local_slot, zone  # noqa: E402
from bot.people.directory import ensure_workspace  # noqa: E402
from bot.programs.catalog import open_programs  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.storage import rollups  # noqa: E402
from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work  # noqa: E402
from bot.storage.models import (  # noqa: E402
    CheckIn,
    Delivery,
    MentoringRequest,
    MentorProfile,
    Pairing,
    Person,
    PromptUse,
    Workspace,
)
from bot.storage.statuses import Audience  # noqa: E402

TEAM = "TBENCH0001"
OWNER = "UBENCHOWNR"
# Monday 7 December 2026, 20:00 UTC: past 10:00 local in every zone below, so every pair is due.
NOW = datetime(2026, 12, 7, 20, tzinfo=UTC)
MONDAY_NOON = datetime(2026, 12, 7, 12, tzinfo=UTC)  # still Monday in every zone below
ZONES = [
    None,
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
]
HISTORY_WEEKS = 8
CHUNK = 5000


def prepare(engine: Engine) -> None:
    """Empty, freshly migrated tables. Refuses to drop anything that is not the benchmark's own."""
    if inspect(engine).has_table("workspaces"):
        with engine.connect() as conn:
            teams = set(conn.scalars(select(Workspace.team_id)))
        if teams - {TEAM}:
            raise SystemExit(f"this database holds other workspaces ({len(teams - {TEAM})}); give the bench its own")
    # Whatever the migrations made, alembic_version included, read back from the database itself.
    existing = MetaData()
    existing.reflect(engine)
    existing.drop_all(engine)
    migrate(engine)


def seed(engine: Engine, pairs: int) -> None:
    """N active pairs on a rolling intake, each with its history of check-ins and prompts, all due at NOW."""
    rng = random.Random(13)
    # The history goes in as a restore would: without the rollup triggers, then summed once, as after a
    # migration. Row by row through the triggers, it took minutes on PostgreSQL.
    with engine.begin() as conn:
        rollups.uninstall(conn)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, TEAM, NOW)
        program = open_programs(s, TEAM, NOW)[0]
        profiles: list[dict[str, Any]] = []
        requests: list[dict[str, Any]] = []
        people: list[dict[str, Any]] = []
        pairings: list[dict[str, Any]] = []
        checkins: list[dict[str, Any]] = []
        uses: list[dict[str, Any]] = []
        for n in range(pairs):
            mentee, mentor, tz_name = f"UE{n:07d}", f"UM{n:07d}", ZONES[n % len(ZONES)]
            history = n % HISTORY_WEEKS
            slot = local_slot(MONDAY_NOON, program.checkin_hour, zone(tz_name, program.timezone))
            started = slot - timedelta(weeks=history, days=3)
            profiles.append(
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    user_id=mentor,
                    topics=["Leadership"],
                    capacity=1,
                    load=1,
                    level=4,
                    open_to_reverse=False,
                    active=True,
                    created_at=started,
                    updated_at=started,
                )
            )
            requests.append(
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    mentee_user_id=mentee,
                    goals="Grow as a lead.",
                    topics=["Leadership"],
                    wants_outside_team=False,
                    wants_more_senior=False,
                    status="matched",
                    source_key=f"bench:{n}",
                    created_at=started,
                )
            )
            paused = NOW + timedelta(weeks=1) if n % 100 == 99 else None
            people += [
                dict(team_id=TEAM, user_id=mentee, display_name="", tz=tz_name, is_admin=False, paused_until=paused),
                dict(team_id=TEAM, user_id=mentor, display_name="", tz="Europe/Berlin", is_admin=False),
            ]
            pairings.append(
                dict(
                    team_id=TEAM,
                    program_id=program.id,
                    request_id=n + 1,
                    mentor_profile_id=n + 1,
                    mentor_user_id=mentor,
                    mentee_user_id=mentee,
                    status="active",
                    dm_channel_id=f"G{n:08d}",
                    started_at=started,
                    checkin_weekday=0,
                    next_checkin_at=slot,
                    next_period=history + 1,
                    ends_at=started + timedelta(weeks=program.length_weeks),
                )
            )
            used: dict[Audience, list[str]] = defaultdict(list)
            for period in range(1, history + 1):
                answer = rng.choice(["met", "met", "not_yet", None, None])
                latest = period == history
                status = "answered" if answer == "met" else "open" if latest else "superseded"
                due = slot - timedelta(weeks=history - period + 1)
                checkins.append(
                    dict(
                        team_id=TEAM,
                        pairing_id=n + 1,
                        period=period,
                        due_at=due,
                        status=status,
                        answer=answer,
                        answered_by=mentee if answer else None,
                    )
                )
                audience = Audience.MENTEE if period % 2 else Audience.MENTOR
                key = prompts.pick(audience, used[audience], seed=n + 1).key
                used[audience].append(key)
                uses.append(
                    dict(
                        team_id=TEAM,
                        pairing_id=n + 1,
                        audience=audience,
                        prompt_key=key,
                        period=period,
                        created_at=due,
                    )
                )
        for model, rows in (
            (MentorProfile, profiles),
            (MentoringRequest, requests),
            (Person, people),
            (Pairing, pairings),
            (CheckIn, checkins),
            (PromptUse, uses),
        ):
            for start in range(0, len(rows), CHUNK):
                s.execute(insert(model), rows[start : start + CHUNK])
    with engine.begin() as conn:
        rollups.rebuild(conn)
        rollups.install(conn)
    if engine.dialect.name == "postgresql":
        # What autovacuum would have done by the time a real week's tick runs.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        found = {
            "check-ins": conn.scalar(select(func.count()).select_from(CheckIn)) or 0,
            "prompts": conn.scalar(select(func.count()).select_from(PromptUse)) or 0,
            "deliveries": conn.scalar(select(func.count()).select_from(Delivery)) or 0,
            "pairs moved on": conn.scalar(select(func.count()).where(Pairing.next_checkin_at > NOW)) or 0,
        }
        for kind, number in conn.execute(
            select(Delivery.kind, func.count()).group_by(Delivery.kind).order_by(Delivery.kind)
        ):
            found[f"  {kind}"] = number
    return found


def run_planner(url: str) -> tuple[Timing, dict[str, int], dict[str, int]]:
    """One timed plan at NOW; returns its time, the rows it added, and what a second plan added."""
    settings = {
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": url,
        "MENTOR_PROGRAM_OWNERS": OWNER,
    }
    rt = build_runtime(load_settings(settings))
    try:
        before = counts(rt.engine)
        with timed() as seconds:
            rt.planner.plan(NOW)
        after = counts(rt.engine)
        rt.planner.plan(NOW)
        again = counts(rt.engine)
    finally:
        rt.close()
    added = {k: v - before.get(k, 0) for k, v in after.items()}
    added["pairs moved on"] = after["pairs moved on"]
    repeated = {k: v - after.get(k, 0) for k, v in again.items() if not k.startswith(" ")}
    repeated.pop("pairs moved on")
    return seconds, added, repeated


def planned_rows(engine: Engine, first_new_checkin: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows one plan wrote, as the floor will insert them."""
    with engine.connect() as conn:
        checkins = [
            dict(team_id=r.team_id, pairing_id=r.pairing_id, period=r.period, due_at=r.due_at, status="closed")
            for r in conn.execute(select(CheckIn).where(CheckIn.id >= first_new_checkin))
        ]
        columns = ["team_id", "key", "kind", "target", "pairing_id", "payload", "status", "attempts"]
        columns += ["next_attempt_at", "created_at"]
        deliveries = [{c: getattr(r, c) for c in columns} for r in conn.execute(select(Delivery))]
    return checkins, deliveries


def run_floor(engine: Engine, checkins: list[dict[str, Any]], deliveries: list[dict[str, Any]]) -> Timing:
    with timed() as seconds, engine.begin() as conn, rollups.batch(conn):
        # A list of rows is one executemany: sqlite3's loop in C, psycopg's pipeline on PostgreSQL. Both
        # were measured faster here than multi-row VALUES statements, so the floor is the lower one. The
        # stats rollups sum the check-ins once, as for the planner: row by row, they cost more than the rest.
        conn.execute(insert(CheckIn), checkins)
        conn.execute(insert(Delivery), deliveries)
    return seconds


@dataclass
class Timing:
    wall: float = 0.0
    cpu: float = 0.0  # this process only: on PostgreSQL the server's share shows in wall time alone


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    yield timing
    timing.wall, timing.cpu = time.perf_counter() - wall, time.process_time() - cpu


def spread(times: list[Timing]) -> str:
    walls, cpus = [t.wall for t in times], [t.cpu for t in times]
    return (
        f"{statistics.median(walls):6.2f} s (min {min(walls):.2f}, max {max(walls):.2f})"
        f"{statistics.median(cpus):8.2f} s (min {min(cpus):.2f}, max {max(cpus):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/plan.db"
        engine = make_engine(url)
        ours: list[Timing] = []
        floor: list[Timing] = []
        added: dict[str, int] = {}
        repeated: dict[str, int] = {}
        rows: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        for _ in range(args.runs):
            prepare(engine)
            seed(engine, args.pairs)
            with engine.connect() as conn:
                first_new = (conn.scalar(select(func.max(CheckIn.id))) or 0) + 1
            timing, added, repeated = run_planner(url)
            ours.append(timing)
            rows = planned_rows(engine, first_new)
            prepare(engine)
            seed(engine, args.pairs)
            floor.append(run_floor(engine, *rows))
        engine.dispose()
    backend = url.split(":", 1)[0]
    print(f"pairs: {args.pairs}, database: {backend}, fresh runs: {args.runs}, planned at {NOW:%a %d %b %Y %H:%M} UTC")
    print("planned rows: " + ", ".join(f"{k.strip()} {v}" for k, v in added.items() if not k.startswith(" ")))
    print("  deliveries by kind: " + ", ".join(f"{k.strip()} {v}" for k, v in added.items() if k.startswith(" ")))
    print("a second plan at the same instant added: " + ", ".join(f"{k} {v}" for k, v in repeated.items()))
    floor_label = f"floor: insert {len(rows[0])} check-ins + {len(rows[1])} deliveries"
    print(f"{'median of ' + str(args.runs):48}{'wall':>6}{'':25}{'CPU of this process':>22}")
    print(f"{'Planner.plan(now)':48}{spread(ours)}")
    print(f"{floor_label:48}{spread(floor)}")
    ratio = statistics.median(t.wall for t in ours) / statistics.median(t.wall for t in floor)
    print(f"planning vs floor (wall): {ratio:.1f}x")


if __name__ == "__main__":
    main()

"""Benchmark: dispatch a week's check-ins for N active pairs against a local fake Slack Web API.

Baseline, measured in the same run: a bare slack_sdk loop posting the same check-in messages to the
same server. Each side runs in its own process, so peak RSS is its own.

    .venv/bin/python bench/dispatch_checkins.py [--pairs 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START = datetime(2026, 12, 2, 12, tzinfo=UTC)
MONDAY = datetime(2026, 12, 7, 10, tzinfo=UTC)  # 10:00 in the program's UTC fallback timezone


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(database_url: str, pairs: int) -> None:
    from sqlalchemy import insert

    from bot.people.directory import ensure_workspace
    from bot.programs.catalog import open_programs
    from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work
    from bot.storage.models import MentoringRequest, MentorProfile, Pairing

    engine = make_engine(database_url)
    migrate(engine)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, "TBENCH0001", START)
        program = open_programs(s, "TBENCH0001", START)[0]
        s.execute(
            insert(MentorProfile),
            [
                dict(
                    team_id="TBENCH0001",
                    program_id=program.id,
                    user_id=f"UM{n:07d}",
                    topics=["Leadership"],
                    capacity=1,
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
                    team_id="TBENCH0001",
                    program_id=program.id,
                    mentee_user_id=f"UE{n:07d}",
                    goals="Grow as a lead.",
                    topics=["Leadership"],
                    wants_outside_team=False,
                    wants_more_senior=False,
                    status="matched",
                    source_key=f"bench:{n}",
                    created_at=START,
                )
                for n in range(pairs)
            ],
        )
        s.flush()
        s.execute(
            insert(Pairing),
            [
                dict(
                    team_id="TBENCH0001",
                    program_id=program.id,
                    request_id=n + 1,
                    mentor_profile_id=n + 1,
                    mentor_user_id=f"UM{n:07d}",
                    mentee_user_id=f"UE{n:07d}",
                    status="active",
                    dm_channel_id=f"G{n:08d}",
                    started_at=START,
                    checkin_weekday=0,
                    next_period=1,
                )
                for n in range(pairs)
            ],
        )
    engine.dispose()


def run_ours(api_url: str, database_url: str) -> dict:
    from bot.config import load_settings
    from bot.runtime import build_runtime

    rt = build_runtime(
        load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": api_url,
                "DATABASE_URL": database_url,
            }
        )
    )
    began = time.perf_counter()
    plan = rt.planner.plan(MONDAY)
    planned = time.perf_counter() - began
    began = time.perf_counter()
    sent = rt.dispatcher.dispatch_due(MONDAY + timedelta(seconds=1))
    seconds = time.perf_counter() - began
    return {
        "checkins": plan.checkins,
        "messages": sent.sent,
        "failed": sent.failed + sent.retrying,
        "plan_seconds": planned,
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_baseline(api_url: str, database_url: str) -> dict:
    from sqlalchemy import select

    from bot.delivery.slack_gateway import make_web_client
    from bot.storage.database import make_engine, make_session_factory, unit_of_work
    from bot.storage.models import Delivery, Pairing

    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        rows = s.execute(
            select(Pairing.dm_channel_id, Delivery.payload)
            .join(Pairing, Pairing.id == Delivery.pairing_id)
            .where(Delivery.kind == "checkin")
        ).all()
    engine.dispose()
    client = make_web_client("xoxb-bench", api_url)
    began = time.perf_counter()
    for channel, payload in rows:
        client.chat_postMessage(channel=channel, text=payload["text"], blocks=payload["blocks"], unfurl_links=False)
    seconds = time.perf_counter() - began
    return {"messages": len(rows), "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def child(role: str, api_url: str, database_url: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--role", role, "--api-url", api_url, "--database-url", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--role", choices=["ours", "baseline"])
    parser.add_argument("--api-url")
    args = parser.parse_args()
    if args.role:
        run = run_ours if args.role == "ours" else run_baseline
        print(json.dumps(run(args.api_url, args.database_url)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
        seed(database_url, args.pairs)
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "fake_slack_server.py")], stdout=subprocess.PIPE, text=True
        )
        try:
            api_url = server.stdout.readline().strip()  # type: ignore[union-attr]
            ours = child("ours", api_url, database_url)
            baseline = child("baseline", api_url, database_url)
        finally:
            server.kill()
    ours_rate = ours["messages"] / ours["seconds"]
    base_rate = baseline["messages"] / baseline["seconds"]
    backend = database_url.split(":", 1)[0]
    print(f"pairs: {args.pairs}, database: {backend}")
    print(f"planning: {ours['checkins']} check-ins (plus prompts) in {ours['plan_seconds']:.2f} s")
    print(f"{'':28}{'messages':>10}{'seconds':>10}{'msg/s':>10}{'peak RSS MB':>14}")
    print(
        f"{'mentor-bot dispatcher':28}{ours['messages']:>10}{ours['seconds']:>10.2f}{ours_rate:>10.0f}"
        f"{ours['peak_rss_mb']:>14.0f}"
    )
    print(
        f"{'bare slack_sdk loop':28}{baseline['messages']:>10}{baseline['seconds']:>10.2f}{base_rate:>10.0f}"
        f"{baseline['peak_rss_mb']:>14.0f}"
    )
    print(f"throughput vs baseline: {100 * ours_rate / base_rate:.0f}%  (failed or retrying: {ours['failed']})")


if __name__ == "__main__":
    main()

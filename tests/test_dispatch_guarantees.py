"""Exactly once, under concurrent dispatchers, a 429 storm, and a kill in the middle of a run."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.delivery import outbox
from bot.storage.database import make_engine, make_session_factory, migrate, unit_of_work
from bot.storage.models import Delivery
from bot.delivery.outbox import Dispatcher
from bot.delivery.slack_gateway import SlackGateway, make_web_client
from bot.people.directory import ensure_workspace
from tests.conftest import bot_env
from tests.test_cli import ROOT, run_cli

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHANNEL = "C0ANNOUNCE"


def queue(database_url: str, count: int) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, "TAAAA0001", T0)
        for n in range(count):
            outbox.enqueue(s, team_id="TAAAA0001", key=f"bulk:{n}", kind="bulk", now=T0, target=CHANNEL,
                           payload={"text": f"message {n}"})
    engine.dispose()


def delivered(fake) -> collections.Counter:
    return collections.Counter(p["text"] for p in fake.posts_to(CHANNEL))


def statuses(database_url: str) -> collections.Counter:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        result = collections.Counter(s.scalars(select(Delivery.status)))
    engine.dispose()
    return result


def start_tick(fake, database_url: str, cwd, output=subprocess.DEVNULL) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    """`mentor-bot tick` as its own process, one second after the rows were queued."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PORT"))}
    env.update(bot_env(fake, database_url), PYTHONPATH=str(ROOT))
    at = (T0 + timedelta(seconds=1)).isoformat()
    return subprocess.Popen([sys.executable, "-m", "bot", "tick", "--at", at], env=env, cwd=cwd, stdout=output,
                            stderr=output, text=True)


def test_two_dispatcher_processes_send_each_message_exactly_once(fake_slack, database_url, tmp_path):
    queue(database_url, 600)
    fake_slack.delay_seconds = 0.002
    workers = [start_tick(fake_slack, database_url, tmp_path, subprocess.PIPE) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    counts = delivered(fake_slack)
    assert len(counts) == 600 and set(counts.values()) == {1}
    assert statuses(database_url) == {"sent": 600}
    # Both processes did part of the work.
    sent_by = [int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(sent_by) == 600 and min(sent_by) > 0, sent_by


def test_a_429_storm_delays_but_never_duplicates_or_drops(fake_slack, database_url):
    queue(database_url, 60)
    fake_slack.storm_share, fake_slack.storm_retry_after = 0.25, 1
    engine = make_engine(database_url)
    gateway = SlackGateway(make_web_client("xoxb-storm", fake_slack.url))
    dispatcher = Dispatcher(make_session_factory(engine), gateway)
    now = T0
    for _ in range(40):
        dispatcher.dispatch_due(now)
        if statuses(database_url) == {"sent": 60}:
            break
        now += timedelta(seconds=30)
    engine.dispose()
    storm_hits = sum(1 for c in fake_slack.calls if c.method == "chat.postMessage") - 60
    assert storm_hits > 5  # the storm really happened
    counts = delivered(fake_slack)
    assert len(counts) == 60 and set(counts.values()) == {1}
    assert statuses(database_url) == {"sent": 60}


def test_killed_mid_dispatch_the_rest_is_sent_after_restart(fake_slack, database_url, tmp_path):
    queue(database_url, 300)
    fake_slack.delay_seconds = 0.01
    worker = start_tick(fake_slack, database_url, tmp_path)
    deadline = time.time() + 60
    while len(delivered(fake_slack)) < 60:
        assert worker.poll() is None and time.time() < deadline
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    before = sum(delivered(fake_slack).values())
    assert before < 300

    # A restart sends what the dead process never claimed; what it had claimed waits out the claim window ...
    early = run_cli(["tick", "--at", (T0 + timedelta(minutes=2)).isoformat()], bot_env(fake_slack, database_url),
                    tmp_path)
    assert early.returncode == 0, early.stderr
    # ... and then goes too.
    later = run_cli(["tick", "--at", (T0 + timedelta(minutes=6)).isoformat()], bot_env(fake_slack, database_url),
                    tmp_path)
    assert later.returncode == 0, later.stderr
    counts = delivered(fake_slack)
    assert len(counts) == 300
    assert sum(counts.values()) - 300 <= 1  # at most the single message in flight at the kill
    assert statuses(database_url) == {"sent": 300}

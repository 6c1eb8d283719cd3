"""Exactly once, under concurrent dispatchers, a 429 storm, and a kill in the middle of a run."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.delivery import claims, outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.slack_gateway import Gateways, make_web_client
from bot.people.directory import ensure_workspace
from bot.storage.database import make_engine, make_session_factory, unit_of_work
from bot.storage.models import Delivery
from bot.storage.statuses import DeliveryKind
from tests.conftest import bot_env
from tests.test_cli import ROOT, run_cli

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHANNEL = "C0ANNOUNCE"


def queue(database_url: str, count: int) -> None:
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, "TAAAA0001", T0)
        for n in range(count):
            outbox.enqueue(
                s,
                team_id="TAAAA0001",
                key=f"bulk:{n}",
                kind=DeliveryKind.STATS,
                now=T0,
                target=CHANNEL,
                payload={"text": f"message {n}"},
            )
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
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "tick", "--at", at], env=env, cwd=cwd, stdout=output, stderr=output, text=True
    )


def test_two_dispatcher_processes_send_each_message_exactly_once(fake_slack, migrated_database_url, tmp_path):
    queue(migrated_database_url, 600)
    # Slack holds each process's first answer until both are waiting on one: both are mid-run at once.
    fake_slack.hold_answers("chat.postMessage")
    workers = [start_tick(fake_slack, migrated_database_url, tmp_path, subprocess.PIPE) for _ in range(2)]
    fake_slack.wait_until_held(2)
    fake_slack.release()
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    counts = delivered(fake_slack)
    assert len(counts) == 600 and set(counts.values()) == {1}
    assert statuses(migrated_database_url) == {"sent": 600}
    # Both processes did part of the work.
    sent_by = [int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs]
    assert sum(sent_by) == 600 and min(sent_by) > 0, sent_by


def test_a_429_storm_delays_but_never_duplicates_or_drops(fake_slack, migrated_database_url):
    queue(migrated_database_url, 60)
    fake_slack.storm_share, fake_slack.storm_retry_after = 0.25, 1
    engine = make_engine(migrated_database_url)
    slept: list[float] = []
    gateway = Gateways.one(make_web_client("xoxb-storm", fake_slack.url, sleep=slept.append))
    dispatcher = Dispatcher(make_session_factory(engine), gateway)
    now, handed_back = T0, 0
    for _ in range(40):
        handed_back += dispatcher.dispatch_due(now).retrying
        if statuses(migrated_database_url) == {"sent": 60}:
            break
        now += timedelta(seconds=30)
    engine.dispose()
    storm_hits = sum(1 for c in fake_slack.calls if c.method == "chat.postMessage") - 60
    assert storm_hits > 5  # the storm really happened
    # Every 429 was honoured: waited out in place for its Retry-After, or handed back to the outbox.
    assert len(slept) + handed_back == storm_hits
    assert slept and all(1 <= s < 2 for s in slept)
    counts = delivered(fake_slack)
    assert len(counts) == 60 and set(counts.values()) == {1}
    assert statuses(migrated_database_url) == {"sent": 60}


def settled_statuses(database_url: str, timeout: float = 10) -> collections.Counter:
    """The statuses once the database has caught up with the writes of a process that just died."""
    deadline = time.monotonic() + timeout
    seen = statuses(database_url)
    while time.monotonic() < deadline:
        time.sleep(0.2)
        again = statuses(database_url)
        if again == seen:
            return seen
        seen = again
    return seen


def test_killed_mid_dispatch_the_rest_is_sent_after_restart(fake_slack, migrated_database_url, tmp_path):
    queue(migrated_database_url, 300)
    # Slack takes the 61st message, and the sender is killed before it hears back.
    fake_slack.hold_answers("chat.postMessage", after=60)
    worker = start_tick(fake_slack, migrated_database_url, tmp_path)
    fake_slack.wait_until_held()
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    fake_slack.release()
    in_flight = fake_slack.posts_to(CHANNEL)[-1]["text"]
    assert sum(delivered(fake_slack).values()) == 61
    # Every message Slack answered is marked sent, the 60th too: its mark went out before the 61st
    # Slack call began, and the database committed it though the process never read the reply. Only
    # the message in flight is left claimed, with the 39 claimed alongside it and never sent.
    assert settled_statuses(migrated_database_url) == {"sent": 60, "sending": 40, "pending": 200}

    env = bot_env(fake_slack, migrated_database_url)
    # A restart sends what the dead process never claimed; what it had claimed waits out the claim window ...
    early = run_cli(["tick", "--at", (T0 + timedelta(minutes=2)).isoformat()], env, tmp_path)
    assert early.returncode == 0, early.stderr
    assert delivered(fake_slack)[in_flight] == 1
    # ... and then goes too.
    later = run_cli(["tick", "--at", (T0 + timedelta(minutes=6)).isoformat()], env, tmp_path)
    assert later.returncode == 0, later.stderr
    counts = delivered(fake_slack)
    assert len(counts) == 300
    # The one duplicate window: only the message in flight at the kill was sent twice.
    assert [text for text, n in counts.items() if n > 1] == [in_flight]
    assert statuses(migrated_database_url) == {"sent": 300}


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_rows_one_replica_is_claiming_are_skipped_by_another(fake_slack, migrated_database_url):
    """SQLite needs no such test: every claim there holds the database's one write lock."""
    queue(migrated_database_url, 10)
    first, second = (
        Dispatcher(
            make_session_factory(make_engine(migrated_database_url)),
            Gateways.one(make_web_client(token, fake_slack.url)),
        )
        for token in ("xoxb-first", "xoxb-second")
    )
    locked, go_on = threading.Event(), threading.Event()

    @event.listens_for(first.engine, "after_cursor_execute")
    def pause_after_choosing_rows(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        # The claim's first statement: it picks the rows, and on PostgreSQL locks them.
        if "JOIN pairings" in statement and not locked.is_set():
            locked.set()
            go_on.wait(timeout=60)

    reports = []
    worker = threading.Thread(target=lambda: reports.append(first.dispatch_due(T0 + timedelta(seconds=1))))
    worker.start()
    try:
        assert locked.wait(timeout=60)
        # The first replica has chosen the rows and not yet marked them 'sending'.
        meanwhile = second.dispatch_due(T0 + timedelta(seconds=1))
    finally:
        go_on.set()
        worker.join(timeout=60)
    assert meanwhile.sent == 0
    assert reports[0].sent == 10
    counts = delivered(fake_slack)
    assert len(counts) == 10 and set(counts.values()) == {1}
    first.engine.dispose()
    second.engine.dispose()


def two_dispatchers(fake, database_url: str) -> list[Dispatcher]:  # type: ignore[no-untyped-def]
    return [
        Dispatcher(make_session_factory(make_engine(database_url)), Gateways.one(make_web_client(token, fake.url)))
        for token in ("xoxb-first", "xoxb-second")
    ]


def test_a_slow_live_sender_keeps_its_claims_and_nothing_goes_twice(
    fake_slack, migrated_database_url, monkeypatch: pytest.MonkeyPatch
):
    # A lease of seconds instead of minutes, and a Slack slow enough that one batch takes two leases.
    monkeypatch.setattr(claims, "STALE_CLAIM", timedelta(seconds=4))
    queue(migrated_database_url, 80)
    fake_slack.latency = 0.1
    first, second = two_dispatchers(fake_slack, migrated_database_url)
    began = time.monotonic()

    def clock() -> datetime:  # both replicas read one clock, as replicas on synchronised hosts do
        return T0 + timedelta(seconds=time.monotonic() - began)

    reports = []
    worker = threading.Thread(target=lambda: reports.append(first.dispatch_due(clock())))
    worker.start()
    while not fake_slack.calls_to("chat.postMessage"):
        time.sleep(0.01)  # the first replica has claimed its batch
    meanwhile = []
    while worker.is_alive():
        # The second replica ticks every half second while the first is still sending its batch.
        meanwhile.append(second.dispatch_due(clock()))
        worker.join(timeout=0.5)
    assert time.monotonic() - began > 8  # the batch really outlived two leases
    assert reports[0].sent == 80 and sum(r.sent for r in meanwhile) == 0
    counts = delivered(fake_slack)
    assert len(counts) == 80 and set(counts.values()) == {1}
    assert statuses(migrated_database_url) == {"sent": 80}
    first.engine.dispose()
    second.engine.dispose()


def test_a_sender_stalled_past_its_lease_sends_none_of_the_rows_taken_from_it(
    fake_slack, migrated_database_url, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(claims, "STALE_CLAIM", timedelta(seconds=2))
    queue(migrated_database_url, 30)
    first, second = two_dispatchers(fake_slack, migrated_database_url)
    began = time.monotonic()

    def clock() -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - began)

    # Slack takes the first sender's 11th message and keeps it waiting for longer than its lease.
    fake_slack.hold_answers("chat.postMessage", after=10)
    stalled = []
    worker = threading.Thread(target=lambda: stalled.append(first.dispatch_due(clock())))
    worker.start()
    fake_slack.wait_until_held()
    time.sleep(2.5)
    # The second replica takes over the stalled claims, and is mid-send when the first wakes up.
    reports = []
    taker = threading.Thread(target=lambda: reports.append(second.dispatch_due(clock())))
    taker.start()
    fake_slack.wait_until_held()
    fake_slack.release()
    worker.join(timeout=60)
    taker.join(timeout=60)
    in_flight = "message 10"
    assert (stalled[0].sent, reports[0].sent) == (11, 20)
    counts = delivered(fake_slack)
    # The first sender sent nothing it had lost: only the message in flight while it stalled went twice.
    assert len(counts) == 30 and [text for text, n in counts.items() if n > 1] == [in_flight]
    assert statuses(migrated_database_url) == {"sent": 30}
    first.engine.dispose()
    second.engine.dispose()


def test_one_dispatcher_shared_by_threads_sends_each_message_once(fake_slack, migrated_database_url):
    queue(migrated_database_url, 120)
    fake_slack.latency = 0.005
    [sender, _] = two_dispatchers(fake_slack, migrated_database_url)
    ids = list(range(1, 121))
    at = T0 + timedelta(seconds=1)
    jobs = [lambda: sender.dispatch_due(at)] * 2 + [
        (lambda part=part: sender.dispatch(list(part), at)) for part in (ids[::2], ids[1::2], ids[::-1])
    ]
    reports: list = []
    threads = [threading.Thread(target=lambda job=job: reports.append(job())) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(reports) == len(jobs) and sum(r.sent for r in reports) == 120
    counts = delivered(fake_slack)
    assert len(counts) == 120 and set(counts.values()) == {1}
    assert statuses(migrated_database_url) == {"sent": 120}
    sender.engine.dispose()


def test_a_run_that_fails_midway_hands_back_the_rows_it_never_tried(fake_slack, migrated_database_url):
    engine = make_engine(migrated_database_url)
    with unit_of_work(make_session_factory(engine)) as s:
        ensure_workspace(s, "TAAAA0001", T0)
        for n in range(5):
            outbox.enqueue(
                s,
                team_id="TAAAA0001",
                key=f"alert:{n}",
                kind=DeliveryKind.OWNER_ALERT,
                now=T0,
                target=f"U0OWNER{n:03d}",
                payload={"text": f"alert {n}"},
            )
    checked: list[str] = []

    def owner_rule_breaks_on_the_third(team_id: str, user_id: str, program_id: int | None, now: datetime) -> bool:
        checked.append(user_id)
        if len(checked) == 3:
            raise RuntimeError("the owner rule could not be read")
        return True

    sender = Dispatcher(
        make_session_factory(engine),
        Gateways.one(make_web_client("xoxb-broken", fake_slack.url)),
        recipient_check=owner_rule_breaks_on_the_third,
    )
    with pytest.raises(RuntimeError):
        sender.dispatch_due(T0)
    with unit_of_work(sender.sessions) as s:
        found = [(d.status, d.attempts) for d in s.scalars(select(Delivery).order_by(Delivery.id))]
    # The one being sent keeps its claim until the lease runs out; the two never tried are pending again.
    assert found == [("sent", 1), ("sent", 1), ("sending", 1), ("pending", 0), ("pending", 0)]
    assert sender.dispatch_due(T0 + timedelta(seconds=1)).sent == 2
    engine.dispose()
